# One multi-stage image recipe for the three services:
#   docker build --build-arg MODULE=ingest-api|scheduler-streams|worker -t taskstream/<module> .
FROM eclipse-temurin:25-jdk AS build
ARG MODULE
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY schemas schemas
COPY redis-lock redis-lock
COPY infra infra
COPY ingest-api ingest-api
COPY scheduler-streams scheduler-streams
COPY worker worker
COPY worker-spring-boot-starter worker-spring-boot-starter
RUN ./mvnw -B -q -DskipTests -Djacoco.skip=true package -pl ${MODULE} -am \
 && cp ${MODULE}/target/*-exec.jar /app.jar

FROM eclipse-temurin:25-jre
RUN groupadd --system taskstream && useradd --system --gid taskstream --home /app taskstream
WORKDIR /app
COPY --from=build /app.jar /app/app.jar
USER taskstream
EXPOSE 8080
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
