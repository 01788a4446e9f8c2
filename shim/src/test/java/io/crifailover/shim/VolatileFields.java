package io.crifailover.shim;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Makes two CRI answers comparable: clears what changes between two calls (timestamps, resource
 * usage counters) and puts repeated messages in a fixed order (the runtime lists from a map).
 */
final class VolatileFields {

    private VolatileFields() {}

    @SuppressWarnings("unchecked")
    static <M extends Message> M strip(M message) {
        Message.Builder builder = message.toBuilder();
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            if (isVolatile(field)) {
                builder.clearField(field);
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()) {
                if (field.isRepeated()) {
                    List<Message> items = new ArrayList<>();
                    for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
                        items.add(strip((Message) message.getRepeatedField(field, i)));
                    }
                    items.sort(Comparator.comparing(Message::toString));
                    builder.clearField(field);
                    items.forEach(item -> builder.addRepeatedField(field, item));
                } else if (message.hasField(field)) {
                    builder.setField(field, strip((Message) message.getField(field)));
                }
            }
        }
        return (M) builder.build();
    }

    private static boolean isVolatile(FieldDescriptor field) {
        String name = field.getName();
        return name.equals("timestamp")
                || name.endsWith("_at")
                || (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                        && field.getMessageType().getName().equals("UInt64Value"));
    }
}
