package io.crifailover.sniffer;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The shared Jackson mapper, in its own class so the sniffer's hot path never loads Jackson. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}
}
