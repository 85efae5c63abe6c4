/**
 * TLS for meshtrace's TCP listeners: the PEM files of one listener ({@link
 * io.meshtrace.tls.TlsFiles}), what they hold once read and checked ({@link
 * io.meshtrace.tls.TlsMaterial}), and {@link io.meshtrace.tls.ServedTls}, which follows the files
 * and gives the listener's TLS stack (Vert.x's or grpc-java's) a key manager and trust manager
 * that always answer with the last good pair, so that a rotated certificate is served without a
 * restart.
 */
package io.meshtrace.tls;
