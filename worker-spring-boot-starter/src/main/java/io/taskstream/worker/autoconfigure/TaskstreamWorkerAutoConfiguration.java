package io.taskstream.worker.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.annotation.Import;

import io.taskstream.worker.config.WorkerConfiguration;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.handler.TaskstreamHandler;

/**
 * Makes any Spring Boot application with this starter a Taskstream worker: the
 * {@link WorkerConfiguration} runtime, running every {@link TaskHandler} bean and every
 * {@link TaskstreamHandler} method of the application. {@code taskstream.worker.enabled=false} turns
 * it all off (no consumer, no producer, no topics created).
 *
 * <p>After Boot's Kafka and Redis auto-configurations, whose {@code spring.kafka.*} and
 * {@code spring.data.redis.*} settings the worker uses; after the application's own beans, so its
 * {@code Clock} or {@code CancellationFlags} replace the worker's. An application that also imports
 * {@code WorkerConfiguration} itself still gets one worker: Spring registers an imported
 * configuration class once.
 */
@AutoConfiguration(after = {KafkaAutoConfiguration.class, DataRedisAutoConfiguration.class})
@ConditionalOnBooleanProperty(name = "taskstream.worker.enabled", matchIfMissing = true)
@Import(WorkerConfiguration.class)
public class TaskstreamWorkerAutoConfiguration {
}
