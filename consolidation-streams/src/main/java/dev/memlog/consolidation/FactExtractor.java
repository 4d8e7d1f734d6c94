package dev.memlog.consolidation;

import java.util.List;

/** Finds the facts and standing instructions in one thing someone said or asked to be remembered. */
public interface FactExtractor {

    /**
     * @param speaker who said it (a name, or null when unknown)
     * @param role user, assistant, system or tool; null for explicit memories
     * @param explicit whether an agent asked for it to be remembered, which makes every statement in it count
     */
    record Utterance(String speaker, String role, String text, boolean explicit) {
    }

    String name();

    List<Fact> extract(Utterance utterance);
}
