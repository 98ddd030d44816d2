package io.taskstream.schemas.spring;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaAdmin;

import io.taskstream.schemas.TopicSettings;
import io.taskstream.schemas.Topics;

/**
 * How every service names and creates the contract's topics: binds {@link TopicSettings} from
 * {@code taskstream.topics.*} (environment: {@code TASKSTREAM_TOPICS_PREFIX},
 * {@code TASKSTREAM_TOPICS_PARTITIONS}, {@code TASKSTREAM_TOPICS_REPLICATION_FACTOR}), exposes
 * {@link Topics}, and hands Boot's {@link KafkaAdmin} the topics to create when missing, so the
 * services may start in any order — and only then: an existing topic is never changed
 * ({@link MissingTopics}). Import it: {@code @Import(TopicsConfiguration.class)}.
 */
@Configuration(proxyBeanMethods = false)
public class TopicsConfiguration {

    @Bean
    public TopicSettings topicSettings(Environment environment) {
        return Binder.get(environment).bindOrCreate("taskstream.topics", TopicSettings.class);
    }

    @Bean
    public Topics topics(TopicSettings settings) {
        return settings.topics();
    }

    @Bean
    public KafkaAdmin.NewTopics taskstreamTopics(TopicSettings settings) {
        return new KafkaAdmin.NewTopics(settings.newTopics().toArray(NewTopic[]::new));
    }

    /** Boot's {@link KafkaAdmin} creates missing topics only, never adds partitions: {@link MissingTopics}. */
    @Bean
    public static BeanPostProcessor createMissingTopicsOnly(ObjectProvider<TopicSettings> settings) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof KafkaAdmin admin) {
                    admin.setCreateOrModifyTopic(MissingTopics.through(admin.getConfigurationProperties(),
                            settings.getObject().newTopics().stream().map(NewTopic::name).toList()));
                }
                return bean;
            }
        };
    }
}
