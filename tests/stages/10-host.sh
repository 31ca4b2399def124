#!/usr/bin/env bash
# Host unit tests of the pure crates (abi, parsers, allocators, VFS, VMA policy): a plain
# `cargo test`, then clippy with warnings as errors over the host crates and the kernel, which
# also enforces the workspace lints (every `unsafe` block carries a `// SAFETY:` comment).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --quiet
echo "10-host: clippy (host crates and the kernel, warnings are errors)"
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --release -p keel-kernel --target x86_64-unknown-none -- -D warnings
echo "10-host: rustfmt --check"
cargo fmt --all -- --check
