package io.taskstream.ingest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.taskstream.schemas.Topics;

/**
 * Base of the integration tests that call the API and play the scheduler on Kafka: the API on a random
 * port ({@link #api}), a Kafka client ({@link #kafka}) and the topic names, new for each test. A subclass
 * registers its infrastructure ({@code @DynamicPropertySource} calling {@link ItSupport#register} with its
 * own class) and may declare its own {@code @SpringBootTest} properties.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
public abstract class ApiWithKafkaIt {

    @LocalServerPort
    protected int port;
    @Autowired
    protected Topics topics;
    @Value("${spring.kafka.bootstrap-servers}")
    protected String bootstrap;

    protected TestApi api;
    protected TestKafka kafka;

    @BeforeEach
    void startClients() {
        api = TestApi.onPort(port);
        kafka = new TestKafka(bootstrap);
    }

    @AfterEach
    void closeClients() {
        kafka.close();
    }
}
