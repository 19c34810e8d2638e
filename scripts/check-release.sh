#!/usr/bin/env bash
# Checks what a release would publish, without publishing anything:
#  1. `mvn clean deploy -Drelease` into a file repository in a temporary directory;
#  2. the deployed files are exactly the published set: for each jar artifact listed in
#     bom/pom.xml (the one list of published jars) its jar, -sources.jar, -javadoc.jar, .pom and
#     -cyclonedx.xml (the SBOM), and for the parent POM and the BOM their .pom and SBOM; with a
#     .asc signature beside each when a GPG key is configured (-Dgpg.keyname=... or
#     MAVEN_GPG_KEY), and none otherwise; checksums and maven-metadata.xml aside, nothing else;
#  3. a second `mvn clean deploy` into another directory gives byte-identical files (every jar,
#     POM and SBOM; signatures aside), as project.build.outputTimestamp promises.
# Tests are neither compiled nor run (-Dmaven.test.skip; testing is scripts/test.sh's job); the
# modules that are never deployed (test webapp, benchmarks, samples) are not built under
# -Drelease. Nothing is installed into ~/.m2 and nothing leaves the machine.
#
# usage: scripts/check-release.sh [extra Maven arguments, e.g. -Dgpg.keyname=KEY]
# Environment: KEEP=1 keeps the temporary directory (its path is printed).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
GROUP_PATH=io/github/keystoneauthfilter
say() { printf '[check-release %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { printf '[check-release] FAILED: %s\n' "$*" >&2; exit 1; }

command -v mvn >/dev/null || fail "Maven (mvn) is required: apt-get install -y maven"

WORK=$(mktemp -d /tmp/kaf-check-release.XXXXXX)
if [[ "${KEEP:-0}" == 1 ]]; then
  say "keeping $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi

# The published jar artifacts: the artifactIds in bom/pom.xml's dependencyManagement.
mapfile -t JARS < <(awk '/<dependencyManagement>/{in_dm=1} /<\/dependencyManagement>/{in_dm=0}
  in_dm && /<artifactId>/ { gsub(/.*<artifactId>|<\/artifactId>.*/, ""); print }' "$ROOT/bom/pom.xml")
((${#JARS[@]} > 0)) || fail "no artifactId found in bom/pom.xml's dependencyManagement"
POMS=(keystone-auth-filter-parent keystone-auth-bom)

signing=0
if [[ -n "${MAVEN_GPG_KEY:-}" ]] || [[ " $* " == *" -Dgpg.keyname="* ]]; then signing=1; fi

expected() {
  local a f
  for a in "${JARS[@]}"; do
    for f in "$a.jar" "$a-sources.jar" "$a-javadoc.jar" "$a.pom" "$a-cyclonedx.xml"; do echo "$a/$f"; done
  done
  for a in "${POMS[@]}"; do
    for f in "$a.pom" "$a-cyclonedx.xml"; do echo "$a/$f"; done
  done
}

# Lists a deployed repository's files as ARTIFACT/NAME with the version taken out of NAME
# (a snapshot's timestamped version too), leaving checksums and metadata out. Prints each
# file's path after a tab.
deployed() {
  local repo=$1 path rel artifact version file base
  while IFS= read -r path; do
    rel=${path#"$repo/$GROUP_PATH/"}
    case "$rel" in */maven-metadata.xml* | *.md5 | *.sha1 | *.sha256 | *.sha512) continue ;; esac
    artifact=${rel%%/*}
    version=$(cut -d/ -f2 <<<"$rel")
    file=${rel##*/}
    base=${version%-SNAPSHOT}
    file=$(sed -E "s/^${artifact}-(${version}|${base}-[0-9]{8}\.[0-9]{6}-[0-9]+)//" <<<"$file")
    printf '%s/%s%s\t%s\n' "$artifact" "$artifact" "$file" "$path"
  done < <(find "$repo" -type f | sort)
}

build() {
  local repo=$1 log=$2
  shift 2
  say "mvn clean deploy -Drelease -> $repo (log: $log)"
  (cd "$ROOT" && mvn -B -ntp clean deploy -Drelease -Dmaven.test.skip=true \
    -DaltDeploymentRepository="local::file://$repo" "$@") >"$log" 2>&1 \
    || { tail -40 "$log" >&2; fail "the build failed (log: $log)"; }
}

build "$WORK/repo1" "$WORK/build1.log" "$@"
deployed "$WORK/repo1" >"$WORK/deployed1.tsv"

want=$(expected | if ((signing)); then sed 'p; s/$/.asc/'; else cat; fi | sort)
got=$(cut -f1 "$WORK/deployed1.tsv" | sort)
if [[ "$want" != "$got" ]]; then
  diff <(echo "$want") <(echo "$got") | grep '^[<>]' | sed 's/^</missing:   /; s/^>/unexpected:/' >&2 || true
  fail "the deployed files are not the published set (bom/pom.xml lists: ${JARS[*]})"
fi
say "deployed exactly the published set ($(wc -l <<<"$got") files; signatures: $([[ $signing == 1 ]] && echo yes || echo 'no key configured, none'))"
sed 's/^/    /' <<<"$got"

build "$WORK/repo2" "$WORK/build2.log" "$@"
deployed "$WORK/repo2" >"$WORK/deployed2.tsv"
differ=0
while IFS=$'\t' read -r name path1; do
  [[ "$name" == *.asc ]] && continue
  path2=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$WORK/deployed2.tsv")
  [[ -n "$path2" ]] || { echo "second build lacks $name" >&2; differ=1; continue; }
  if ! cmp -s "$path1" "$path2"; then
    echo "differs between the two builds: $name" >&2
    differ=1
  fi
done <"$WORK/deployed1.tsv"
((differ == 0)) || fail "two clean builds are not byte-identical"
say "two clean builds gave byte-identical jars, POMs and SBOMs"
