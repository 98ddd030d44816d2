package io.taskstream.scheduler.topology;

import java.util.Map;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.scheduler.output.SchedulerMetrics;

/**
 * What happens when our code throws while processing a record or a punctuation: log it with
 * the record's coordinates, count it ({@code scheduler_processing_errors_total{processor}}) and
 * go on with the next record. Inputs are decoded without exceptions, so this is the net for
 * bugs and corrupt state, not the path for bad input (that goes to {@code dlq}).
 */
public final class ProcessingErrorHandler implements ProcessingExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProcessingErrorHandler.class);

    private SchedulerMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(SchedulerMetrics.CONFIG_KEY) instanceof SchedulerMetrics m) {
            metrics = m;
        }
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        log.error("skipped a record that {} could not process ({}-{}@{}, key {})", context.processorNodeId(),
                context.topic(), context.partition(), context.offset(), record == null ? null : record.key(),
                exception);
        if (metrics != null) {
            metrics.processingError(context.processorNodeId());
        }
        return ProcessingHandlerResponse.CONTINUE;
    }
}
