package io.taskstream.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.taskstream.schemas.crypto.EncryptionSettings;
import io.taskstream.schemas.crypto.KeyRing;

class DevKeysTest {

    @TempDir
    Path workDir;

    @Test
    void aKeyIsGeneratedOnceReadableByTheOwnerAloneAndKeptAcrossRestarts() throws IOException {
        Path file = DevKeys.ensure(Map.<String, String>of()::get, workDir.resolve("nested"), new SecureRandom())
                .orElseThrow();
        String first = Files.readString(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        KeyRing ring = new EncryptionSettings(null, file.toString(), null).keyProvider().keyRing();
        assertThat(ring.active().id()).isEqualTo("dev1");
        assertThat(DevKeys.ensure(Map.<String, String>of()::get, workDir.resolve("nested"), new SecureRandom()))
                .contains(file);
        assertThat(Files.readString(file)).isEqualTo(first);
    }

    @Test
    void keysFromTheEnvironmentWinAndNothingIsGenerated() {
        assertThat(DevKeys.ensure(Map.of("TASKSTREAM_ENCRYPTION_KEYS", "k1:x")::get, workDir, new SecureRandom()))
                .isEmpty();
        assertThat(DevKeys.ensure(Map.of("TASKSTREAM_ENCRYPTION_KEYS_FILE", "/etc/keys")::get, workDir,
                new SecureRandom())).isEmpty();
        assertThat(workDir.resolve(DevKeys.FILE_NAME)).doesNotExist();
    }
}
