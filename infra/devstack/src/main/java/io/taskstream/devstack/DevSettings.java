package io.taskstream.devstack;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * What {@code ./taskstream dev} is told by its environment.
 *
 * <table>
 *   <caption>Environment</caption>
 *   <tr><th>Variable</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>{@code TASKSTREAM_HTTP_PORT}</td><td>8080</td><td>the API's port ({@code 0}: any free port)</td></tr>
 *   <tr><td>{@code TASKSTREAM_DEV_ADMIN_KEY}</td><td>random</td><td>the admin key, {@code ts_<prefix>_<secret of 32+ chars>}</td></tr>
 *   <tr><td>{@code TASKSTREAM_KAFKA_BOOTSTRAP}</td><td>embedded</td><td>use this Kafka instead of an embedded broker</td></tr>
 *   <tr><td>{@code TASKSTREAM_DB_URL} (+ {@code _USER}, {@code _PASSWORD})</td><td>embedded</td><td>use this PostgreSQL</td></tr>
 *   <tr><td>{@code TASKSTREAM_REDIS_URL}</td><td>embedded</td><td>use this Redis</td></tr>
 *   <tr><td>{@code TASKSTREAM_DEV_PARTITIONS}</td><td>3</td><td>partitions of each topic (1-64; the benchmark
 *       uses 12)</td></tr>
 *   <tr><td>{@code TASKSTREAM_DEV_WORKER}</td><td>true</td><td>{@code false}: no worker in this process (the
 *       benchmark runs workers as processes of their own, {@code ./taskstream run worker})</td></tr>
 *   <tr><td>{@code TASKSTREAM_ENCRYPTION_KEYS} / {@code _KEYS_FILE}</td><td>a key generated once into
 *       {@code .taskstream/encryption-keys}</td><td>the payload-encryption key ring of the API and the worker
 *       ({@link DevKeys})</td></tr>
 * </table>
 *
 * @param workDir     where {@code dev.json}, Kafka Streams state and the process registry live ({@code .taskstream/})
 * @param partitions  partitions of each topic (a few: this is one machine)
 * @param worker      whether this process runs a worker too
 */
public record DevSettings(int httpPort, String adminKey, Path workDir, int partitions,
                          Optional<String> kafkaBootstrap, Optional<String> dbUrl, String dbUser, String dbPassword,
                          Optional<String> redisUrl, boolean worker) {

    /** {@code ts_<prefix>_<secret>}: a prefix of letters and digits, a secret of 32 or more. */
    public static final Pattern KEY_FORMAT = Pattern.compile("ts_([A-Za-z0-9]{1,32})_([A-Za-z0-9]{32,128})");
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_PARTITIONS = 3;
    public static final int MAX_PARTITIONS = 64;

    public DevSettings {
        if (httpPort < 0 || httpPort > 65_535) {
            throw new IllegalArgumentException("TASKSTREAM_HTTP_PORT must be a port number (0-65535), got " + httpPort);
        }
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException(
                    "TASKSTREAM_DEV_PARTITIONS must be a whole number from 1 to " + MAX_PARTITIONS + ", got " + partitions);
        }
        if (!KEY_FORMAT.matcher(adminKey).matches()) {
            throw new IllegalArgumentException(
                    "TASKSTREAM_DEV_ADMIN_KEY must look like ts_<prefix>_<secret>: letters and digits, a secret of 32-128 characters");
        }
    }

    /** Reads {@code env} ({@code System::getenv}, or a map in tests); blank counts as unset. */
    public static DevSettings fromEnvironment(Function<String, String> env, Path workDir, RandomGenerator random) {
        String port = value(env, "TASKSTREAM_HTTP_PORT").orElse(String.valueOf(DEFAULT_PORT));
        int httpPort;
        try {
            httpPort = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("TASKSTREAM_HTTP_PORT must be a port number (0-65535), got " + port);
        }
        String partitionsValue = value(env, "TASKSTREAM_DEV_PARTITIONS").orElse(String.valueOf(DEFAULT_PARTITIONS));
        int partitions;
        try {
            partitions = Integer.parseInt(partitionsValue);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("TASKSTREAM_DEV_PARTITIONS must be a whole number from 1 to "
                    + MAX_PARTITIONS + ", got " + partitionsValue);
        }
        String worker = value(env, "TASKSTREAM_DEV_WORKER").orElse("true");
        if (!worker.equals("true") && !worker.equals("false")) {
            throw new IllegalArgumentException("TASKSTREAM_DEV_WORKER must be true or false, got " + worker);
        }
        return new DevSettings(httpPort,
                value(env, "TASKSTREAM_DEV_ADMIN_KEY").orElseGet(() -> randomKey(random)),
                workDir, partitions,
                value(env, "TASKSTREAM_KAFKA_BOOTSTRAP"),
                value(env, "TASKSTREAM_DB_URL"),
                value(env, "TASKSTREAM_DB_USER").orElse("postgres"),
                Optional.ofNullable(env.apply("TASKSTREAM_DB_PASSWORD")).orElse(""),
                value(env, "TASKSTREAM_REDIS_URL"), Boolean.parseBoolean(worker));
    }

    public static DevSettings fromEnvironment(Path workDir) {
        return fromEnvironment(System::getenv, workDir, new SecureRandom());
    }

    /** A fresh admin key: {@code ts_dev<6 chars>_<40 chars>}. */
    static String randomKey(RandomGenerator random) {
        return "ts_dev" + alphanumeric(random, 6) + "_" + alphanumeric(random, 40);
    }

    private static String alphanumeric(RandomGenerator random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private static Optional<String> value(Function<String, String> env, String name) {
        return Optional.ofNullable(env.apply(name)).map(String::strip).filter(v -> !v.isEmpty());
    }
}
