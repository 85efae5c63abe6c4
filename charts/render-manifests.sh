#!/usr/bin/env bash
# Writes the plain manifests rendered from charts/meshtrace (istio/kubernetes/30-meshtrace.yaml,
# examples/kubernetes/split/20-meshtrace.yaml) with their values files under charts/meshtrace/ci,
# through the same Helm (helm-java) as the test that fails when they differ
# (mesh-collector's GeneratedManifestsTest). No helm binary needed.
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -q -pl mesh-collector -am verify -DskipITs \
  -Dtest=GeneratedManifestsTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dmeshtrace.writeManifests=true
