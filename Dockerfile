# The meshtrace image: the all-dependencies jar on a Java 17 runtime, for linux/amd64 and
# linux/arm64 alike.
#
#   mvn -B -q -DskipTests package && docker build -t meshtrace/meshtrace:dev .
#
# Both architectures in one multi-platform image (pushed, since a local image store holds one
# platform unless it is the containerd one):
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/meshtrace:TAG --push .
#
# The jar is built outside the image (the Maven build needs nothing but JDK 17), so that this
# file stays small. The same jar serves both platforms: it is Java, and it carries the embedded
# PostgreSQL for both (storage-postgres's PostgresArchive picks one from os.arch at start-up).
# eclipse-temurin's Ubuntu images exist for amd64 and arm64v8 (and arm32v7, ppc64le, s390x, which
# the embedded PostgreSQL does not support: use --pg-url there).
#
# Nothing runs on the target platform while building: the one RUN step is in a stage on the
# builder's own platform, so building for the other architecture needs no QEMU emulation.

# The meshtrace user and its home, made where the build runs. /etc/passwd and /etc/group are
# the same on every platform of one eclipse-temurin tag (the same Ubuntu release).
FROM --platform=$BUILDPLATFORM eclipse-temurin:17-jre AS account
RUN groupadd --system --gid 10001 meshtrace \
    && useradd --system --uid 10001 --gid meshtrace --home-dir /var/lib/meshtrace \
       --shell /usr/sbin/nologin meshtrace \
    && mkdir -p /var/lib/meshtrace

FROM eclipse-temurin:17-jre
# A fixed, non-root user; istio/kubernetes/30-meshtrace.yaml runs the pod as this uid. It needs
# an entry in /etc/passwd: PostgreSQL's initdb refuses a uid it cannot look up.
# Its working directory is writable, so that without --pg-url the embedded PostgreSQL can keep
# ./meshtrace-data there (docker run -v meshtrace-data:/var/lib/meshtrace keeps it).
COPY --from=account /etc/passwd /etc/group /etc/
COPY --from=account --chown=10001:10001 /var/lib/meshtrace /var/lib/meshtrace

COPY mesh-collector/target/meshtrace.jar /opt/meshtrace/meshtrace.jar
WORKDIR /var/lib/meshtrace

# The JVM's default heap is a quarter of the container's memory limit; meshtrace holds spans in
# flight and batches in memory, so give it most of it. With the embedded PostgreSQL in the same
# container (all-in-one without --pg-url), PostgreSQL needs its share of the limit too: on a small
# board set a fixed heap instead (README, "Small boards and arm64": measured with -Xmx128m), e.g.
#   docker run -e JAVA_TOOL_OPTIONS="-Xmx128m -XX:+UseSerialGC" ...
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"

# zipkin, otlp-grpc, otlp-http, jaeger-compact and jaeger-binary (UDP), jaeger-http, query (UI),
# sampling-http, sampling-grpc (also Jaeger's gRPC intake), xds, admin
EXPOSE 9411 4317 4318 6831/udp 6832/udp 14268 16686 5778 14250 18000 14269

USER 10001:10001
ENTRYPOINT ["java", "-jar", "/opt/meshtrace/meshtrace.jar"]
CMD ["all-in-one"]
