package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the image of the {@code deployguard} container in a Kubernetes manifest to a digest reference, keeping
 * every other line (and comment) as it is: the first {@code image:} line after {@code - name: deployguard}. A
 * kustomization ({@code kind: Kustomization}, or a file named {@code kustomization.yaml}) gets instead an
 * {@code images:} entry for {@code deployguard/deployguard} (the name the shipped manifest uses) with
 * {@code newName} and {@code digest}, as {@code kustomize edit set image} writes it; its other entries and lines stay.
 */
final class ManifestPin {
    private static final Pattern CONTAINER = Pattern.compile("^\\s*-\\s*name:\\s*deployguard\\s*$");
    private static final Pattern IMAGE = Pattern.compile("^(\\s*image:\\s*)(\\S+)(\\s*)$");

    private ManifestPin() {
    }

    /** The image name of the shipped manifest, which a kustomization's {@code images:} entry matches. */
    static final String SHIPPED_NAME = "deployguard/deployguard";
    private static final Pattern KIND = Pattern.compile("^kind:\\s*Kustomization\\s*$");
    private static final Pattern ENTRY = Pattern.compile("^(\\s*)-\\s.*$");

    /** Returns the reference that was there (null when a kustomization had no entry for DeployGuard). */
    static String pin(Path manifest, String reference) {
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(manifest));
        } catch (IOException e) {
            throw DeployGuardException.badInput("--pin: cannot read " + manifest + ": " + e.getMessage());
        }
        String file = manifest.getFileName().toString();
        if (file.startsWith("kustomization.") || lines.stream().anyMatch(l -> KIND.matcher(l).matches())) {
            String before = pinKustomization(lines, reference);
            write(manifest, lines);
            return before;
        }
        for (int i = 0; i < lines.size(); i++) {
            if (!CONTAINER.matcher(lines.get(i)).matches()) {
                continue;
            }
            for (int j = i + 1; j < lines.size(); j++) {
                Matcher m = IMAGE.matcher(lines.get(j));
                if (m.matches()) {
                    String before = m.group(2);
                    lines.set(j, m.group(1) + reference + m.group(3));
                    write(manifest, lines);
                    return before;
                }
            }
        }
        throw DeployGuardException.badInput("--pin: " + manifest + " has no container named deployguard with an"
                + " image: line");
    }

    private static void write(Path manifest, List<String> lines) {
        try {
            Files.write(manifest, lines);
        } catch (IOException e) {
            throw DeployGuardException.badInput("--pin: cannot write " + manifest + ": " + e.getMessage());
        }
    }

    /**
     * Sets the {@code images:} entry of {@link #SHIPPED_NAME} to {@code reference} (REPOSITORY[:TAG]@DIGEST) in the
     * lines of a kustomization; returns the entry's former {@code newName@digest}, or null when it had none.
     */
    static String pinKustomization(List<String> lines, String reference) {
        int at = reference.indexOf('@');
        if (at < 0) {
            throw new IllegalArgumentException("not a digest reference: " + reference);
        }
        String repository = ImageCommand.repository(reference);
        String digest = reference.substring(at + 1);
        int images = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("^images:\\s*$")) {
                images = i;
                break;
            }
        }
        if (images < 0) {
            lines.add("images:");
            lines.addAll(entry("  ", repository, digest));
            return null;
        }
        int end = images + 1;
        while (end < lines.size() && (lines.get(end).isBlank() || lines.get(end).startsWith(" ")
                || lines.get(end).startsWith("-"))) {
            end++;
        }
        String indent = null;
        int start = -1;
        int stop = end;
        for (int i = images + 1; i < end; i++) {
            Matcher m = ENTRY.matcher(lines.get(i));
            if (m.matches() && (indent == null || m.group(1).equals(indent))) {
                indent = m.group(1);
                if (start >= 0) {
                    stop = i;
                    break;
                }
                if (lines.get(i).replaceFirst("^\\s*-\\s*", "").matches("name:\\s*" + Pattern.quote(SHIPPED_NAME)
                        + "\\s*")) {
                    start = i;
                }
            }
        }
        List<String> ours = entry(indent == null ? "  " : indent, repository, digest);
        if (start < 0) {
            int last = end;
            while (last > images + 1 && lines.get(last - 1).isBlank()) {
                last--;
            }
            lines.addAll(last, ours);
            return null;
        }
        while (stop > start + 1 && lines.get(stop - 1).isBlank()) {
            stop--;
        }
        List<String> old = new ArrayList<>(lines.subList(start, stop));
        String was = old.stream().map(String::strip).filter(l -> l.startsWith("newName:")).map(l -> l.substring(8)
                .strip()).findFirst().orElse(SHIPPED_NAME) + old.stream().map(String::strip)
                .filter(l -> l.startsWith("digest:")).map(l -> "@" + l.substring(7).strip()).findFirst().orElse("");
        lines.subList(start, stop).clear();
        lines.addAll(start, ours);
        return was;
    }

    private static List<String> entry(String indent, String repository, String digest) {
        return List.of(indent + "- name: " + SHIPPED_NAME, indent + "  newName: " + repository,
                indent + "  digest: " + digest);
    }
}
