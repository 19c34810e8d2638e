/** The web.xml sample: a plain servlet behind the filter that web.xml declares. */
@NullMarked
package io.github.keystoneauthfilter.samples.webxml;

import org.jspecify.annotations.NullMarked;
