package dev.deployguard.kubernetes.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.AnnotationIntrospector;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.type.LogicalType;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Schema validation of rendered objects without a cluster: each document is read into fabric8's typed model for
 * its apiVersion and kind, strictly — an unknown field or a value of the wrong type (a string where the API wants
 * an integer, a number where it wants a string) is a problem, as the API server would reject it — and then the
 * fields the API server requires (containers, image, selector, ports) are checked. Kinds fabric8 does not know
 * (custom resources) are counted, not judged.
 */
final class ObjectSchema {
    private static final Pattern SEPARATOR = Pattern.compile("(?m)^---[ \\t]*(#.*)?$");
    private static final Pattern SOURCE = Pattern.compile("(?m)^# Source: (\\S+)\\s*$");

    /** fabric8's classes catch unknown fields in an "additionalProperties" map; this reader lets none through. */
    private static final AnnotationIntrospector NO_ANY_SETTER = new JacksonAnnotationIntrospector() {
        @Override
        public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
            return Boolean.FALSE;
        }
    };
    private static final YAMLMapper STRICT = YAMLMapper.builder()
            .annotationIntrospector(NO_ANY_SETTER)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();
    private static final YAMLMapper TREE = YAMLMapper.builder().build();

    private final KubernetesSerialization kinds = new KubernetesSerialization();

    /** What validation found: problems (each naming the object and field) and how many objects were checked. */
    record Findings(List<String> problems, int checked, List<String> notChecked) {
    }

    Findings validate(String manifest) {
        List<String> problems = new ArrayList<>();
        List<String> notChecked = new ArrayList<>();
        int checked = 0;
        for (String doc : SEPARATOR.split(manifest)) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            Matcher source = SOURCE.matcher(doc);
            String from = source.find() ? " (" + source.group(1) + ")" : "";
            JsonNode tree;
            try {
                tree = TREE.readTree(doc);
            } catch (JacksonException e) {
                problems.add("a document" + from + " is not valid YAML: " + e.getOriginalMessage());
                continue;
            }
            String apiVersion = tree.path("apiVersion").asString("");
            String kind = tree.path("kind").asString("");
            String name = tree.path("metadata").path("name").asString("");
            String object = (kind.isEmpty() ? "an object" : kind) + (name.isEmpty() ? "" : " " + name) + from;
            if (apiVersion.isEmpty() || kind.isEmpty()) {
                problems.add(object + ": apiVersion and kind are required");
                continue;
            }
            Class<? extends KubernetesResource> type = kinds.getRegisteredKubernetesResource(apiVersion, kind);
            if (type == null) {
                notChecked.add(kind + " " + name);
                continue;
            }
            checked++;
            KubernetesResource typed;
            try {
                typed = STRICT.readValue(doc, type);
            } catch (JacksonException e) {
                problems.add(object + ": " + describe(e, tree));
                continue;
            }
            required(typed, object, problems);
        }
        return new Findings(problems, checked, notChecked);
    }

    private static String describe(JacksonException e, JsonNode tree) {
        StringBuilder field = new StringBuilder();
        JsonNode value = tree;
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                field.append(field.isEmpty() ? "" : ".").append(r.getPropertyName());
                value = value.path(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                field.append('[').append(r.getIndex()).append(']');
                value = value.path(r.getIndex());
            }
        }
        String at = field.isEmpty() ? "(top level)" : field.toString();
        if (e instanceof UnrecognizedPropertyException u) {
            return "unknown field " + at + " (no such field in " + u.getReferringClass().getSimpleName() + ")";
        }
        if (e instanceof InvalidFormatException f) {
            return at + ": " + quoted(f.getValue()) + " is not " + expected(f.getTargetType());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            String seen = value.isMissingNode() ? "the value" : value.isString() ? quoted(value.asString())
                    : value.isValueNode() ? value.toString() : "a " + value.getNodeType().toString()
                    .toLowerCase(java.util.Locale.ROOT);
            return at + ": " + seen + " is not " + expected(m.getTargetType());
        }
        return at + ": " + e.getOriginalMessage();
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string (quote it)";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "a mapping";
        }
        return "a " + type.getSimpleName();
    }

    private static String quoted(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    /** The fields the API server requires that a typed read cannot see missing. */
    private static void required(KubernetesResource typed, String object, List<String> problems) {
        if (typed instanceof HasMetadata o && (o.getMetadata() == null || blank(o.getMetadata().getName()))) {
            problems.add(object + ": metadata.name is required");
        }
        if (typed instanceof Deployment d) {
            workload(d.getSpec() == null, d.getSpec() == null ? null : d.getSpec().getSelector(),
                    d.getSpec() == null ? null : d.getSpec().getTemplate(), object, problems);
        } else if (typed instanceof StatefulSet s) {
            workload(s.getSpec() == null, s.getSpec() == null ? null : s.getSpec().getSelector(),
                    s.getSpec() == null ? null : s.getSpec().getTemplate(), object, problems);
        } else if (typed instanceof DaemonSet s) {
            workload(s.getSpec() == null, s.getSpec() == null ? null : s.getSpec().getSelector(),
                    s.getSpec() == null ? null : s.getSpec().getTemplate(), object, problems);
        } else if (typed instanceof ReplicaSet s) {
            workload(s.getSpec() == null, s.getSpec() == null ? null : s.getSpec().getSelector(),
                    s.getSpec() == null ? null : s.getSpec().getTemplate(), object, problems);
        } else if (typed instanceof Job j) {
            podSpec(j.getSpec() == null || j.getSpec().getTemplate() == null ? null
                    : j.getSpec().getTemplate().getSpec(), "spec.template.spec", object, problems);
        } else if (typed instanceof CronJob c) {
            if (c.getSpec() == null || blank(c.getSpec().getSchedule())) {
                problems.add(object + ": spec.schedule is required");
            }
            var job = c.getSpec() == null || c.getSpec().getJobTemplate() == null ? null
                    : c.getSpec().getJobTemplate().getSpec();
            podSpec(job == null || job.getTemplate() == null ? null : job.getTemplate().getSpec(),
                    "spec.jobTemplate.spec.template.spec", object, problems);
        } else if (typed instanceof Pod p) {
            podSpec(p.getSpec(), "spec", object, problems);
        } else if (typed instanceof Service s && s.getSpec() != null && s.getSpec().getPorts() != null) {
            List<ServicePort> ports = s.getSpec().getPorts();
            for (int i = 0; i < ports.size(); i++) {
                if (ports.get(i).getPort() == null) {
                    problems.add(object + ": spec.ports[" + i + "].port is required");
                }
            }
        }
    }

    private static void workload(boolean noSpec, LabelSelector selector, PodTemplateSpec template, String object,
                                 List<String> problems) {
        if (noSpec) {
            problems.add(object + ": spec is required");
            return;
        }
        if (selector == null) {
            problems.add(object + ": spec.selector is required");
        }
        if (template == null) {
            problems.add(object + ": spec.template is required");
            return;
        }
        if (selector != null && selector.getMatchLabels() != null) {
            Map<String, String> labels = template.getMetadata() == null || template.getMetadata().getLabels() == null
                    ? Map.of() : template.getMetadata().getLabels();
            selector.getMatchLabels().forEach((k, v) -> {
                if (!v.equals(labels.get(k))) {
                    problems.add(object + ": spec.selector does not match the template's labels (" + k + "=" + v
                            + " is missing from spec.template.metadata.labels)");
                }
            });
        }
        podSpec(template.getSpec(), "spec.template.spec", object, problems);
    }

    private static void podSpec(PodSpec spec, String at, String object, List<String> problems) {
        if (spec == null || spec.getContainers() == null || spec.getContainers().isEmpty()) {
            problems.add(object + ": " + at + ".containers must list at least one container");
            return;
        }
        containers(spec.getContainers(), at + ".containers", object, problems);
        if (spec.getInitContainers() != null) {
            containers(spec.getInitContainers(), at + ".initContainers", object, problems);
        }
    }

    private static void containers(List<Container> containers, String at, String object, List<String> problems) {
        for (int i = 0; i < containers.size(); i++) {
            Container c = containers.get(i);
            if (blank(c.getName())) {
                problems.add(object + ": " + at + "[" + i + "].name is required");
            }
            if (blank(c.getImage())) {
                problems.add(object + ": " + at + "[" + i + "].image is required");
            }
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
