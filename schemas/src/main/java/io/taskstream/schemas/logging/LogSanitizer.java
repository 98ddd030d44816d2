package io.taskstream.schemas.logging;

import java.util.regex.Pattern;

/**
 * Masks secrets in a line about to be logged, whoever wrote it (our code, a library, an exception's
 * message): an API key keeps its public prefix ({@code ts_ab12cd_****}), a bearer token, a
 * {@code "secret"}, {@code "apiKey"} or {@code "password"} JSON member and the ciphertext ({@code "ct"}) of
 * an encrypted-payload envelope lose their value. Applied to every log message and stack trace — by
 * {@link SanitizingMessageConverter} and {@link SanitizingThrowableConverter} in the text format, by
 * {@link JsonLogFormatter} in the JSON one — so a key pasted into a log statement by mistake still never
 * reaches the log. It is a safety net, not a licence: the code logs keys by their prefix only, and never
 * logs payloads.
 */
public final class LogSanitizer {

    static final String MASK = "****";
    private static final Pattern API_KEY = Pattern.compile("\\b(ts_[A-Za-z0-9]{1,32}_)[A-Za-z0-9]{4,}");
    private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer\\s+)(?!\\*\\*\\*\\*)[^\\s,;\"']+");
    private static final Pattern SECRET_MEMBER =
            Pattern.compile("(\"(?:secret|apiKey|api_key|password|ct)\"\\s*:\\s*\")[^\"]*(\")");

    private LogSanitizer() {
    }

    /** {@code line} with every secret masked; null stays null. */
    public static String sanitize(String line) {
        if (line == null || line.isEmpty()) {
            return line;
        }
        String masked = API_KEY.matcher(line).replaceAll("$1" + MASK);
        masked = BEARER.matcher(masked).replaceAll("$1" + MASK);
        return SECRET_MEMBER.matcher(masked).replaceAll("$1" + MASK + "$2");
    }
}
