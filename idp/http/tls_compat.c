/*
 * Debian 12's civetweb 1.15 loads OpenSSL at run time (dlopen "libssl.so")
 * and looks up SSL_get_peer_certificate, which OpenSSL 3 no longer exports
 * (it became a macro for SSL_get1_peer_certificate). civetweb then calls a
 * NULL pointer on the first TLS connection. This tiny library has the SONAME
 * "libssl.so" and depends on the real libssl.so.3; sakaid links it, so
 * civetweb's dlopen("libssl.so") finds it already loaded, and dlsym resolves
 * every other name from its dependency, the real libssl.
 */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *s);

/* OpenSSL 1.1's SSL_get_peer_certificate also took a reference: same contract. */
X509 *SSL_get_peer_certificate(const SSL *s)
{
    return SSL_get1_peer_certificate(s);
}
