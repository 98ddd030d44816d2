package io.taskstream.bench.process;

/**
 * The fields of one {@code /proc/<pid>/stat} line that the sampler needs (see proc(5)).
 *
 * @param pid       field 1
 * @param comm      field 2 without its parentheses: the executable's name, cut to 15 characters, and free
 *                  text (a thread may rename itself to anything, spaces and parentheses included)
 * @param ppid      field 4
 * @param utime     field 14, clock ticks in user mode
 * @param stime     field 15, clock ticks in kernel mode
 * @param startTime field 22, clock ticks after boot at which the process started: with the pid, what tells
 *                  the same process from a later one that got the pid recycled
 * @param rssPages  field 24, resident pages
 */
record ProcStat(long pid, String comm, long ppid, long utime, long stime, long startTime, long rssPages) {

    /** Field n (counting from 1) is at index n - 3 of what follows the comm's closing parenthesis. */
    private static final int AFTER_COMM = 3;

    static ProcStat parse(String line) {
        int open = line.indexOf('(');
        // the last one, because comm itself may hold ')' (e.g. "(sd-pam)" or "a) b (c")
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + line);
        }
        String[] f = line.substring(close + 1).trim().split("\\s+");
        if (f.length < 24 - AFTER_COMM + 1) {
            throw new IllegalArgumentException("too few fields in /proc/<pid>/stat line: " + line);
        }
        return new ProcStat(Long.parseLong(line.substring(0, open).trim()), line.substring(open + 1, close),
                Long.parseLong(f[4 - AFTER_COMM]), Long.parseLong(f[14 - AFTER_COMM]),
                Long.parseLong(f[15 - AFTER_COMM]), Long.parseLong(f[22 - AFTER_COMM]),
                Long.parseLong(f[24 - AFTER_COMM]));
    }

    long cpuTicks() {
        return utime + stime;
    }
}
