/**
 * What the sampling control plane keeps in storage, behind interfaces so that the control plane
 * never names a database: the admin API's versioned strategies documents, adaptive sampling's
 * probabilities, and the leadership that makes one replica calculate them. The SQL, and the
 * tables' migrations, are in {@code storage-postgres}.
 */
package io.meshtrace.storage.sampling;
