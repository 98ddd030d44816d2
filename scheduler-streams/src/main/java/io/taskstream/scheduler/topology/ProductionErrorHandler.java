package io.taskstream.scheduler.topology;

import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.scheduler.output.SchedulerMetrics;

/**
 * What happens when an output record cannot be written. A record that can never be written (it
 * does not serialize, or is larger than the broker accepts) is logged, counted
 * ({@code scheduler_production_errors_total{kind}}) and skipped: retrying it would stop the
 * partition forever. Anything else (the broker, the network) fails the stream thread, which
 * rolls back to the last commit and is replaced — nothing is lost, nothing skipped.
 */
public final class ProductionErrorHandler implements ProductionExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProductionErrorHandler.class);

    private SchedulerMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(SchedulerMetrics.CONFIG_KEY) instanceof SchedulerMetrics m) {
            metrics = m;
        }
    }

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context,
                                                     ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RecordTooLargeException) {
            log.error("skipped an output record to {} that is too large ({} bytes), from {}-{}@{}", record.topic(),
                    record.value() == null ? 0 : record.value().length, context.topic(), context.partition(),
                    context.offset(), exception);
            count("record_too_large");
            return ProductionExceptionHandlerResponse.CONTINUE;
        }
        count("send_failed");
        return ProductionExceptionHandlerResponse.FAIL;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public ProductionExceptionHandlerResponse handleSerializationException(ErrorHandlerContext context,
                                                                           ProducerRecord record, Exception exception,
                                                                           SerializationExceptionOrigin origin) {
        log.error("skipped an output record to {} that could not be serialized ({}), from {}-{}@{}", record.topic(),
                origin, context.topic(), context.partition(), context.offset(), exception);
        count("serialization");
        return ProductionExceptionHandlerResponse.CONTINUE;
    }

    private void count(String kind) {
        if (metrics != null) {
            metrics.productionError(kind);
        }
    }
}
