// The libcrypto.so that Debian's civetweb 1.15 opens at run time. It defines nothing civetweb
// uses: its dependency on OpenSSL 3's libcrypto.so.3 is what civetweb's dlsym searches. Without
// it, dlopen("libcrypto.so") needs the development symlink from libssl-dev.

extern "C" {

/// Present so the library has a symbol of its own; returns 3, the OpenSSL major version served.
__attribute__((visibility("default"))) int KceCryptoCompatOpenSslMajor();

int KceCryptoCompatOpenSslMajor() { return 3; }

}  // extern "C"
