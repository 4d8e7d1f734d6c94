package dev.memlog.consolidation;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A relative time ("yesterday", "last Friday", "two weeks ago", "next month") is only meaningful beside the day it
 * was said: derived memories outlive that context, so each such phrase gets the absolute date it meant, in brackets
 * after it ("yesterday (7 May 2023)"), resolved against the day the words were said.
 */
public final class TemporalAnchors {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH);
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("MMMM yyyy", Locale.ENGLISH);
    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
    private static final String WEEKDAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";
    private static final String NUMBER = "\\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
            + "a couple of|a few|couple of|few";
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(Map.entry("a", 1), Map.entry("an", 1),
            Map.entry("one", 1), Map.entry("two", 2), Map.entry("three", 3), Map.entry("four", 4), Map.entry("five", 5),
            Map.entry("six", 6), Map.entry("seven", 7), Map.entry("eight", 8), Map.entry("nine", 9), Map.entry("ten", 10),
            Map.entry("eleven", 11), Map.entry("twelve", 12), Map.entry("a couple of", 2), Map.entry("couple of", 2),
            Map.entry("a few", 3), Map.entry("few", 3));
    /** Longest phrases first, so "the day before yesterday" is not read as "yesterday". */
    private static final Pattern RELATIVE = Pattern.compile("\\b(?:"
            + "(?<dbY>the day before yesterday)"
            + "|(?<dayAfter>the day after tomorrow)"
            + "|(?<yesterday>yesterday|last night)"
            + "|(?<today>today|tonight|this morning|this afternoon|this evening)"
            + "|(?<tomorrow>tomorrow)"
            + "|(?<lastDay>(?:last|this past) (?:" + WEEKDAY + "))"
            + "|(?<nextDay>next (?:" + WEEKDAY + "))"
            + "|(?<weekend>(?:last|this past|this|next) weekend)"
            + "|(?<week>(?:last|this past|this|next) week)"
            + "|(?<month>(?:last|this|next) month)"
            + "|(?<year>(?:last|this|next) year)"
            + "|(?<ago>(?<n>" + NUMBER + ") (?<unit>days?|weekends?|weeks?|months?|years?) ago)"
            + "|(?<in>in (?<n2>" + NUMBER + ") (?<unit2>days?|weeks?|months?|years?))"
            + ")\\b(?! \\()", FLAGS);

    private TemporalAnchors() {
    }

    /** The text with every relative time it mentions followed by the date it meant, said on {@code day}. */
    public static String anchor(String text, LocalDate day) {
        Matcher m = RELATIVE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String meant = resolve(m, day);
            m.appendReplacement(out, Matcher.quoteReplacement(meant == null ? m.group() : m.group() + " (" + meant + ")"));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String resolve(Matcher m, LocalDate day) {
        if (m.group("dbY") != null) {
            return DAY.format(day.minusDays(2));
        }
        if (m.group("dayAfter") != null) {
            return DAY.format(day.plusDays(2));
        }
        if (m.group("yesterday") != null) {
            return DAY.format(day.minusDays(1));
        }
        if (m.group("today") != null) {
            return DAY.format(day);
        }
        if (m.group("tomorrow") != null) {
            return DAY.format(day.plusDays(1));
        }
        if (m.group("lastDay") != null) {
            DayOfWeek wanted = weekday(m.group("lastDay"));
            LocalDate d = day.minusDays(1);
            while (d.getDayOfWeek() != wanted) {
                d = d.minusDays(1);
            }
            return "the " + name(wanted) + " before " + DAY.format(day) + ", " + DAY.format(d);
        }
        if (m.group("nextDay") != null) {
            DayOfWeek wanted = weekday(m.group("nextDay"));
            LocalDate d = day.plusDays(1);
            while (d.getDayOfWeek() != wanted) {
                d = d.plusDays(1);
            }
            return "the " + name(wanted) + " after " + DAY.format(day) + ", " + DAY.format(d);
        }
        if (m.group("weekend") != null) {
            return "the weekend " + relation(m.group("weekend")) + " " + DAY.format(day);
        }
        if (m.group("week") != null) {
            return "the week " + relation(m.group("week")) + " " + DAY.format(day);
        }
        if (m.group("month") != null) {
            return MONTH.format(day.plusMonths(offset(m.group("month"))));
        }
        if (m.group("year") != null) {
            return Integer.toString(day.plusYears(offset(m.group("year"))).getYear());
        }
        if (m.group("ago") != null) {
            return shifted(day, -count(m.group("n")), m.group("unit"));
        }
        if (m.group("in") != null) {
            return shifted(day, count(m.group("n2")), m.group("unit2"));
        }
        return null;
    }

    private static String shifted(LocalDate day, int amount, String unit) {
        String u = unit.toLowerCase(Locale.ROOT);
        if (u.startsWith("day")) {
            return DAY.format(day.plusDays(amount));
        }
        if (u.startsWith("weekend")) {
            return "the weekend of " + DAY.format(day.plusWeeks(amount));
        }
        if (u.startsWith("week")) {
            return "the week of " + DAY.format(day.plusWeeks(amount));
        }
        if (u.startsWith("month")) {
            return MONTH.format(day.plusMonths(amount));
        }
        return Integer.toString(day.plusYears(amount).getYear());
    }

    private static int count(String n) {
        String key = n.toLowerCase(Locale.ROOT);
        return NUMBERS.containsKey(key) ? NUMBERS.get(key) : Integer.parseInt(key);
    }

    /** "last" and "this past" look back, "next" ahead, "this" names the current one. */
    private static int offset(String phrase) {
        String p = phrase.toLowerCase(Locale.ROOT);
        return p.startsWith("last") || p.startsWith("this past") ? -1 : p.startsWith("next") ? 1 : 0;
    }

    private static String relation(String phrase) {
        return switch (offset(phrase)) {
            case -1 -> "before";
            case 1 -> "after";
            default -> "of";
        };
    }

    private static DayOfWeek weekday(String phrase) {
        String[] words = phrase.trim().split("\\s+");
        return DayOfWeek.valueOf(words[words.length - 1].toUpperCase(Locale.ROOT));
    }

    private static String name(DayOfWeek d) {
        return d.getDisplayName(TextStyle.FULL, Locale.ENGLISH);
    }
}
