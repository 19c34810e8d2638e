/**
 * The starter's test application, built with Boot 3.5 here and with Boot 4.0 in the boot4 module.
 */
@NullMarked
package io.github.keystoneauthfilter.spring.it.app;

import org.jspecify.annotations.NullMarked;
