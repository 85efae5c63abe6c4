/**
 * Configuration files followed as they change ({@link io.meshtrace.controlplane.file.FollowedFile}):
 * watched, re-read on an interval, the last good content kept in service while a broken one is
 * reported.
 */
package io.meshtrace.controlplane.file;
