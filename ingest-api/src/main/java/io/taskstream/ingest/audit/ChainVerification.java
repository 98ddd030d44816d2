package io.taskstream.ingest.audit;

/**
 * What {@code POST /audit:verify} found, from V8's {@code audit_log_verify()}.
 *
 * @param valid          whether every row from chain_seq 1 to the head is there, links to the one before and
 *                       hashes to its {@code row_hash}
 * @param rowsChecked    rows found intact from chain_seq 1 on: all of them when valid, else those before
 *                       {@code firstBrokenSeq}
 * @param headSeq        the chain_seq of the last row; null when the log is empty
 * @param headHash       the last row's {@code row_hash}, hex; null when the log is empty. Keep it somewhere
 *                       else: a later check that no longer reaches it shows the log was cut or rewritten
 * @param firstBrokenSeq the first chain_seq that is wrong or missing; null when valid
 * @param reason         why, in words; null when valid
 */
public record ChainVerification(boolean valid, long rowsChecked, Long headSeq, String headHash, Long firstBrokenSeq,
        String reason) {
}
