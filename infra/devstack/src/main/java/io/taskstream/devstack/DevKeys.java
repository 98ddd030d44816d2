package io.taskstream.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;

import io.taskstream.schemas.crypto.DataKey;
import io.taskstream.schemas.crypto.EncryptionSettings;

/**
 * The payload-encryption key of {@code ./taskstream dev}: unless {@code TASKSTREAM_ENCRYPTION_KEYS} or
 * {@code TASKSTREAM_ENCRYPTION_KEYS_FILE} is set (then the services read that, as in production), a random
 * 32-byte data key is generated once into {@code <workDir>/encryption-keys} (mode 600) and kept across
 * restarts, so that tasks encrypted yesterday still decrypt today and {@code "encrypt": true} works out of
 * the box. It is a development key: it guards nothing that the work directory does not.
 */
final class DevKeys {

    static final String FILE_NAME = "encryption-keys";
    static final String KEY_ID = "dev1";

    private DevKeys() {
    }

    /**
     * The key file the services are to read, created if missing; empty when the environment configures
     * the key ring itself.
     */
    static Optional<Path> ensure(Function<String, String> env, Path workDir, SecureRandom random) {
        if (EncryptionSettings.fromEnvironment(env).configured()) {
            return Optional.empty();
        }
        Path file = workDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            return Optional.of(file);
        }
        byte[] key = new byte[DataKey.KEY_BYTES];
        random.nextBytes(key);
        String content = "# the payload-encryption key ring of ./taskstream dev (id=Base64 of 32 bytes; first line "
                + "active)\n# generated once; delete this file to start over (tasks encrypted under it will then "
                + "no longer decrypt)\n" + KEY_ID + "=" + Base64.getEncoder().encodeToString(key) + "\n";
        try {
            Files.createDirectories(workDir);
            Files.write(create(file), content.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            return Optional.of(file); // another launcher made it at the same moment: use theirs
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the dev encryption key to " + file, e);
        }
        return Optional.of(file);
    }

    /** An empty file readable by its owner alone (where the file system knows POSIX permissions). */
    private static Path create(Path file) throws IOException {
        try {
            FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
            return Files.createFile(file, ownerOnly);
        } catch (UnsupportedOperationException e) {
            return Files.createFile(file);
        }
    }
}
