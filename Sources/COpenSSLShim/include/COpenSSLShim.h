#ifndef TANDEM_COPENSSLSHIM_H
#define TANDEM_COPENSSLSHIM_H
/* OpenSSL calls that are function-like macros or variadic, which Swift cannot import. */
#include <openssl/ssl.h>
#include <openssl/evp.h>

/* Options and limits set on a DTLS context. */
long tandem_ssl_ctx_set_dtls_options(SSL_CTX *ctx);
int tandem_ssl_ctx_set_min_dtls12(SSL_CTX *ctx);
void tandem_ssl_ctx_set_read_ahead(SSL_CTX *ctx, int on);

/* DTLS retransmission: the time left before the next timeout (in ms; -1 if no timer runs),
   and firing it. */
long tandem_dtls_get_timeout_ms(SSL *ssl);
int tandem_dtls_handle_timeout(SSL *ssl);
long tandem_dtls_set_link_mtu(SSL *ssl, long mtu);

/* A fresh ECDSA P-256 key (NULL on failure). */
EVP_PKEY *tandem_ec_p256_generate(void);

#endif
