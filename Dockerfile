# The meshtrace image: the all-dependencies jar on a Java 17 runtime.
#
#   mvn -B -q -DskipTests package && docker build -t meshtrace/meshtrace:dev .
#
# The jar is built outside the image (the Maven build needs nothing but JDK 17), so that this
# file stays one copy step.
FROM eclipse-temurin:17-jre

# A fixed, non-root user; istio/kubernetes/30-meshtrace.yaml runs the pod as this uid.
# Its working directory is writable, so that without --pg-url the embedded PostgreSQL can keep
# ./meshtrace-data there (docker run -v meshtrace-data:/var/lib/meshtrace keeps it).
RUN groupadd --system --gid 10001 meshtrace \
    && useradd --system --uid 10001 --gid meshtrace --home-dir /var/lib/meshtrace \
       --shell /usr/sbin/nologin meshtrace \
    && mkdir -p /var/lib/meshtrace && chown meshtrace:meshtrace /var/lib/meshtrace

COPY mesh-collector/target/meshtrace.jar /opt/meshtrace/meshtrace.jar
WORKDIR /var/lib/meshtrace

# The JVM's default heap is a quarter of the container's memory limit; meshtrace holds spans in
# flight and batches in memory, so give it most of it.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"

# zipkin, otlp-grpc, otlp-http, jaeger-compact and jaeger-binary (UDP), jaeger-http, query (UI),
# sampling-http, sampling-grpc (also Jaeger's gRPC intake), xds, admin
EXPOSE 9411 4317 4318 6831/udp 6832/udp 14268 16686 5778 14250 18000 14269

USER 10001:10001
ENTRYPOINT ["java", "-jar", "/opt/meshtrace/meshtrace.jar"]
CMD ["all-in-one"]
