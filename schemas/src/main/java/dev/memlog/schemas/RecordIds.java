package dev.memlog.schemas;

import java.util.regex.Pattern;

/** The shape of a memory's record id, as consolidation derives them: what any request naming one must match. */
public final class RecordIds {
    public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RecordIds() {
    }
}
