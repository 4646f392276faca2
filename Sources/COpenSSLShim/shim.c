#include "COpenSSLShim.h"

long tandem_ssl_ctx_set_dtls_options(SSL_CTX *ctx) {
    return (long)SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
}

int tandem_ssl_ctx_set_min_dtls12(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
}

void tandem_ssl_ctx_set_read_ahead(SSL_CTX *ctx, int on) {
    SSL_CTX_set_read_ahead(ctx, on);
}

long tandem_dtls_get_timeout_ms(SSL *ssl) {
    struct timeval tv;
    if (DTLSv1_get_timeout(ssl, &tv) != 1) return -1;
    return (long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int tandem_dtls_handle_timeout(SSL *ssl) {
    return (int)DTLSv1_handle_timeout(ssl);
}

long tandem_dtls_set_link_mtu(SSL *ssl, long mtu) {
    return DTLS_set_link_mtu(ssl, mtu);
}

EVP_PKEY *tandem_ec_p256_generate(void) {
    return EVP_EC_gen("P-256");
}
