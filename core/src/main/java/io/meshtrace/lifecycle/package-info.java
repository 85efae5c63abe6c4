/**
 * How every runnable part of a meshtrace process starts and stops: a {@link
 * io.meshtrace.lifecycle.Component} (a listener, the xDS server, partition maintenance, a file
 * follower...), and {@link io.meshtrace.lifecycle.Components}, which starts a list of them in
 * order and stops them in the reverse order.
 */
package io.meshtrace.lifecycle;
