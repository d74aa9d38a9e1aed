// The libssl.so that Debian's civetweb 1.15 opens at run time: OpenSSL 3's libssl (a dependency,
// so civetweb's dlsym finds every other function there) plus the one function civetweb still
// looks up by its OpenSSL 1.1 name.

#include <openssl/ssl.h>

// OpenSSL 3 turns the old name into a macro for the new one; the function must carry the old
// name in the symbol table.
#undef SSL_get_peer_certificate

extern "C" {

/// OpenSSL 1.1's SSL_get_peer_certificate: the peer's certificate with its reference count
/// raised (the caller frees it), or null. Same contract as SSL_get1_peer_certificate.
__attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* ssl);

X509* SSL_get_peer_certificate(const SSL* ssl) { return SSL_get1_peer_certificate(ssl); }

}  // extern "C"
