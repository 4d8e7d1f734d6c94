package dev.memlog.common.text;

import java.util.regex.Pattern;

/** What a turn does in a conversation, read from its surface. */
public final class DialogueActs {
    private static final Pattern TRAILING_ANNOTATION = Pattern.compile("(\\s*\\[[^\\]]*\\])+\\s*$");

    private DialogueActs() {
    }

    /** Whether a turn asks rather than tells: it ends with a question mark, bracketed annotations aside. */
    public static boolean asks(String text) {
        return text != null && TRAILING_ANNOTATION.matcher(text).replaceFirst("").strip().endsWith("?");
    }
}
