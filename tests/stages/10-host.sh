#!/usr/bin/env bash
# Host unit tests of the pure crates (abi, parsers, allocators): a plain `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --quiet
