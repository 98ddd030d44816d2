package io.taskstream.lock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScriptTest {

    @Test
    void scriptsAreNamedByTheSha1OfTheirText() {
        assertThat(Script.sha1("return 1")).isEqualTo("e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
        assertThat(Script.ACQUIRE.sha()).isEqualTo(Script.sha1(Script.ACQUIRE.text()));
        assertThat(Script.RELEASE.text()).contains("DEL");
    }

    @Test
    void aMissingScriptFailsLoudly() {
        assertThatThrownBy(() -> Script.load("nope")).hasMessageContaining("nope.lua");
    }

    @Test
    void theHolderValueIsOwnerColonToken() {
        assertThat(new Holder("task-1", "worker:a", 42).value()).isEqualTo("worker:a:42");
    }
}
