package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crifailover.protos.criu.CriuRpc;
import org.junit.jupiter.api.Test;

class MessageDecoderTest {

    @Test
    void decodesARequestWithItsOptionsOfInterest() {
        ObjectNode n = MessageDecoder.decode(Direction.TO_CRIU, Messages.dumpRequest());
        assertThat(n.get("msg").asText()).isEqualTo("request");
        assertThat(n.get("type").asText()).isEqualTo("DUMP");
        ObjectNode opts = (ObjectNode) n.get("opts");
        assertThat(opts.get("images_dir_fd").asInt()).isEqualTo(6);
        assertThat(opts.get("work_dir_fd").asInt()).isEqualTo(7);
        assertThat(opts.get("leave_running").asBoolean()).isTrue();
        assertThat(opts.get("tcp_established").asBoolean()).isTrue();
        assertThat(opts.get("manage_cgroups").asBoolean()).isTrue();
        assertThat(opts.get("pid").asInt()).isEqualTo(42);
        assertThat(opts.has("shell_job")).isFalse();
    }

    @Test
    void decodesNotificationsAndTheirAcks() {
        ObjectNode notify = MessageDecoder.decode(Direction.TO_RUNTIME, Messages.notify("network-lock"));
        assertThat(notify.get("msg").asText()).isEqualTo("notify");
        assertThat(notify.get("script").asText()).isEqualTo("network-lock");
        ObjectNode ack = MessageDecoder.decode(Direction.TO_CRIU, Messages.notifyAck());
        assertThat(ack.get("msg").asText()).isEqualTo("notify-ack");
        assertThat(ack.get("notify_success").asBoolean()).isTrue();
    }

    @Test
    void decodesFailuresAndRestoredPid() {
        ObjectNode failed =
                MessageDecoder.decode(Direction.TO_RUNTIME, Messages.failedReply(2, "Can't open inventory"));
        assertThat(failed.get("msg").asText()).isEqualTo("reply");
        assertThat(failed.get("success").asBoolean()).isFalse();
        assertThat(failed.get("cr_errno").asInt()).isEqualTo(2);
        assertThat(failed.get("cr_errmsg").asText()).isEqualTo("Can't open inventory");
        ObjectNode ok = MessageDecoder.decode(Direction.TO_RUNTIME, Messages.restoreReply(4711));
        assertThat(ok.get("restored_pid").asInt()).isEqualTo(4711);
        ObjectNode version = MessageDecoder.decode(
                Direction.TO_RUNTIME,
                CriuRpc.criu_resp
                        .newBuilder()
                        .setType(CriuRpc.criu_req_type.VERSION)
                        .setSuccess(true)
                        .setVersion(CriuRpc.criu_version
                                .newBuilder()
                                .setMajorNumber(4)
                                .setMinorNumber(1)
                                .setSublevel(1))
                        .build()
                        .toByteArray());
        assertThat(version.get("version").asText()).isEqualTo("4.1.1");
    }

    @Test
    void garbageIsReportedNotThrown() {
        ObjectNode n = MessageDecoder.decode(Direction.TO_RUNTIME, new byte[] {(byte) 0xff, 0x01, 0x02});
        assertThat(n.get("msg").asText()).isEqualTo("undecodable");
        assertThat(n.get("error").asText()).isNotBlank();
    }

    @Test
    void referencedFdsComeFromTheOptions() throws Exception {
        assertThat(FdMirror.referencedFds(CriuRpc.criu_req.parseFrom(Messages.dumpRequest())))
                .containsExactly(6, 7);
        assertThat(FdMirror.referencedFds(CriuRpc.criu_req.parseFrom(Messages.notifyAck())))
                .isEmpty();
        assertThat(FdMirror.referencedFds(CriuRpc.criu_req.parseFrom(Messages.restoreRequest(-1))))
                .isEmpty();
    }
}
