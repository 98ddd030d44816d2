package io.taskstream.schemas.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The key ring from a file ({@code TASKSTREAM_ENCRYPTION_KEYS_FILE}), one key a line:
 * <pre>
 * # the first key is active unless a line active=&lt;id&gt; names another
 * active=k2
 * k2=3q2+7w…=
 * k1=AAEC…=
 * </pre>
 * Blank lines and lines starting with {@code #} are ignored. {@code activeKey}
 * ({@code TASKSTREAM_ENCRYPTION_ACTIVE_KEY}), when given, wins over the file's {@code active=} line.
 * Read once, when constructed (rotation: edit the file, restart); keep it readable by the service
 * alone (mode 600). A bad file fails then, naming the setting and the line, never showing key material.
 */
public final class FileKeyProvider implements KeyProvider {

    private final KeyRing ring;

    /**
     * @param file      the file described above
     * @param activeKey the active key's id, overriding the file's; null for the file's (or its first key)
     * @param source    how the setting is named in error messages
     * @throws IllegalArgumentException when the file cannot be read or is not a valid ring
     */
    public FileKeyProvider(Path file, String activeKey, String source) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(source + ": cannot read " + file + " (" + e.getClass().getSimpleName()
                    + ")", e);
        }
        this.ring = parse(lines, activeKey, source + " (" + file + ")");
    }

    @Override
    public KeyRing keyRing() {
        return ring;
    }

    private static KeyRing parse(List<String> lines, String activeOverride, String source) {
        List<DataKey> keys = new ArrayList<>();
        String active = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + ", line " + (i + 1);
            int equals = line.indexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException(where + ": not <id>=<Base64 of 32 bytes> or active=<id>");
            }
            String name = line.substring(0, equals).strip();
            String value = line.substring(equals + 1).strip();
            if (name.equals("active")) {
                if (active != null) {
                    throw new IllegalArgumentException(where + ": active is given twice");
                }
                active = value;
            } else {
                keys.add(EnvKeyProvider.key(name, value, where));
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no keys");
        }
        try {
            return new KeyRing(activeOverride != null ? activeOverride : active, keys);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }
}
