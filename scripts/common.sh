# Shared settings for ctn's scripts. Source it; do not run it.
# Everything that is built or downloaded lives under $CTN_CACHE, outside the repository.

CTN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CTN_CACHE=${CTN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ctn}

# Pinned toolchain. The kernel needs Debian's rustc (it ships rust-src); rustup's does not.
CTN_RUSTC_WEB_VERSION=${CTN_RUSTC_WEB_VERSION:-1.85.0+dfsg3-1~deb12u3}
CTN_LINUX_SOURCE_PKG=linux-source-6.12
CTN_LINUX_SOURCE_VERSION=${CTN_LINUX_SOURCE_VERSION:-6.12.117-1~deb12u1}
CTN_BINDGEN_VERSION=0.70.1
CTN_LLVM_SUFFIX=-19

CTN_BINDGEN_ROOT=$CTN_CACHE/bindgen-$CTN_BINDGEN_VERSION
CTN_BINDGEN=$CTN_BINDGEN_ROOT/bin/bindgen
export LIBCLANG_PATH=/usr/lib/llvm${CTN_LLVM_SUFFIX}/lib

# Arguments every kernel and module `make` needs.
ctn_kmake_args() {
    printf '%s\n' LLVM=$CTN_LLVM_SUFFIX RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
        BINDGEN="$CTN_BINDGEN"
}

ctn_log() { printf '[ctn] %s\n' "$*" >&2; }
ctn_die() { printf '[ctn] error: %s\n' "$*" >&2; exit 1; }
