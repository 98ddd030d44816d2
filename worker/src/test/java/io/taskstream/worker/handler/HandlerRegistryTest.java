package io.taskstream.worker.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class HandlerRegistryTest {

    record Named(String type) implements TaskHandler {
        @Override
        public HandlerResult handle(TaskContext context) {
            return HandlerResult.completed();
        }
    }

    static final class OtherEmailHandler implements TaskHandler {
        @Override
        public String type() {
            return "email.send";
        }

        @Override
        public HandlerResult handle(TaskContext context) {
            return HandlerResult.completed();
        }
    }

    @Test
    void findsEachHandlerByItsType() {
        Named log = new Named("log");
        Named email = new Named("email.send");

        HandlerRegistry registry = HandlerRegistry.of(List.of(log, email));

        assertThat(registry.find("log")).containsSame(log);
        assertThat(registry.find("email.send")).containsSame(email);
        assertThat(registry.find("sms.send")).isEmpty();
        assertThat(registry.types()).containsExactly("email.send", "log");
    }

    @Test
    void twoHandlersForOneTypeFailWithOneMessageNamingBoth() {
        assertThatThrownBy(() -> HandlerRegistry.of(List.of(new Named("email.send"), new Named("log"),
                new OtherEmailHandler())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("More than one task handler for a task type: 'email.send' by")
                .hasMessageContaining(Named.class.getName())
                .hasMessageContaining(OtherEmailHandler.class.getName())
                .hasMessageNotContaining("'log'");
    }

    @Test
    void aTypeNoTaskCouldHaveIsRejected() {
        assertThatThrownBy(() -> HandlerRegistry.of(List.of(new Named("Email Send"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'Email Send', which is not a valid task type");
        assertThatThrownBy(() -> HandlerRegistry.of(List.of(new Named(null))))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aWorkerMayHaveNoHandlers() {
        assertThat(HandlerRegistry.of(List.of()).types()).isEmpty();
    }
}
