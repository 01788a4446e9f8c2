package io.crifailover.sniffer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import io.crifailover.protos.criu.CriuRpc;

/**
 * Decodes one runc/CRIU datagram with CRIU's {@code rpc.proto}: requests (runtime to CRIU) are
 * {@code criu_req}, everything from CRIU is a {@code criu_resp} (notifications and replies).
 * Only the fields that matter when debugging are extracted; undecodable bytes give
 * {@code "msg":"undecodable"} with the parser's error.
 */
public final class MessageDecoder {

    private MessageDecoder() {}

    /** Decodes a datagram into a JSON object ("msg" is request, notify-ack, notify, reply or undecodable). */
    public static ObjectNode decode(Direction dir, byte[] raw) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        try {
            if (dir == Direction.TO_CRIU) {
                request(CriuRpc.criu_req.parseFrom(raw), out);
            } else {
                response(CriuRpc.criu_resp.parseFrom(raw), out);
            }
        } catch (InvalidProtocolBufferException ex) {
            out.removeAll();
            out.put("msg", "undecodable");
            out.put("error", ex.getMessage());
        }
        return out;
    }

    private static void request(CriuRpc.criu_req req, ObjectNode out) {
        boolean ack = req.getType() == CriuRpc.criu_req_type.NOTIFY;
        out.put("msg", ack ? "notify-ack" : "request");
        out.put("type", req.getType().name());
        if (req.hasNotifySuccess()) {
            out.put("notify_success", req.getNotifySuccess());
        }
        if (req.hasKeepOpen()) {
            out.put("keep_open", req.getKeepOpen());
        }
        if (req.hasPid()) {
            out.put("pid", req.getPid());
        }
        if (req.hasOpts()) {
            out.set("opts", options(req.getOpts()));
        }
        if (req.hasFeatures()) {
            out.put("features", req.getFeatures().toString().trim().replace('\n', ' '));
        }
    }

    private static ObjectNode options(CriuRpc.criu_opts o) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("images_dir_fd", o.getImagesDirFd());
        if (o.hasImagesDir()) {
            n.put("images_dir", o.getImagesDir());
        }
        if (o.hasWorkDirFd()) {
            n.put("work_dir_fd", o.getWorkDirFd());
        }
        if (o.hasStatusFd()) {
            n.put("status_fd", o.getStatusFd());
        }
        if (o.hasPid()) {
            n.put("pid", o.getPid());
        }
        if (o.hasRoot()) {
            n.put("root", o.getRoot());
        }
        if (o.hasParentImg()) {
            n.put("parent_img", o.getParentImg());
        }
        if (o.hasLogFile()) {
            n.put("log_file", o.getLogFile());
        }
        n.put("log_level", o.getLogLevel());
        flag(n, "leave_running", o.hasLeaveRunning(), o.getLeaveRunning());
        flag(n, "tcp_established", o.hasTcpEstablished(), o.getTcpEstablished());
        flag(n, "tcp_skip_in_flight", o.hasTcpSkipInFlight(), o.getTcpSkipInFlight());
        flag(n, "tcp_close", o.hasTcpClose(), o.getTcpClose());
        flag(n, "ext_unix_sk", o.hasExtUnixSk(), o.getExtUnixSk());
        flag(n, "shell_job", o.hasShellJob(), o.getShellJob());
        flag(n, "file_locks", o.hasFileLocks(), o.getFileLocks());
        flag(n, "manage_cgroups", o.hasManageCgroups(), o.getManageCgroups());
        if (o.hasManageCgroupsMode()) {
            n.put("manage_cgroups_mode", o.getManageCgroupsMode().name());
        }
        flag(n, "notify_scripts", o.hasNotifyScripts(), o.getNotifyScripts());
        flag(n, "track_mem", o.hasTrackMem(), o.getTrackMem());
        flag(n, "auto_dedup", o.hasAutoDedup(), o.getAutoDedup());
        flag(n, "rst_sibling", o.hasRstSibling(), o.getRstSibling());
        flag(n, "orphan_pts_master", o.hasOrphanPtsMaster(), o.getOrphanPtsMaster());
        flag(n, "lazy_pages", o.hasLazyPages(), o.getLazyPages());
        flag(n, "leave_stopped", o.hasLeaveStopped(), o.getLeaveStopped());
        if (o.hasNetworkLock()) {
            n.put("network_lock", o.getNetworkLock().name());
        }
        if (o.hasPs()) {
            n.put("page_server", o.getPs().getAddress() + ":" + o.getPs().getPort());
        }
        if (o.hasFreezeCgroup()) {
            n.put("freeze_cgroup", o.getFreezeCgroup());
        }
        if (o.hasLsmProfile()) {
            n.put("lsm_profile", o.getLsmProfile());
        }
        if (o.hasConfigFile()) {
            n.put("config_file", o.getConfigFile());
        }
        if (o.getExternalCount() > 0) {
            ArrayNode ext = n.putArray("external");
            o.getExternalList().forEach(ext::add);
        }
        if (o.getInheritFdCount() > 0) {
            ArrayNode inh = n.putArray("inherit_fd");
            o.getInheritFdList().forEach(f -> inh.add(f.getKey() + "=" + f.getFd()));
        }
        if (o.getExtMntCount() > 0) {
            n.put("ext_mnt_count", o.getExtMntCount());
        }
        if (o.getCgRootCount() > 0) {
            ArrayNode cg = n.putArray("cg_root");
            o.getCgRootList().forEach(c -> cg.add((c.hasCtrl() ? c.getCtrl() + ":" : "") + c.getPath()));
        }
        return n;
    }

    private static void flag(ObjectNode n, String name, boolean present, boolean value) {
        if (present) {
            n.put(name, value);
        }
    }

    private static void response(CriuRpc.criu_resp resp, ObjectNode out) {
        boolean notify = resp.getType() == CriuRpc.criu_req_type.NOTIFY;
        out.put("msg", notify ? "notify" : "reply");
        out.put("type", resp.getType().name());
        out.put("success", resp.getSuccess());
        if (resp.hasNotify()) {
            out.put("script", resp.getNotify().getScript());
            if (resp.getNotify().hasPid()) {
                out.put("notify_pid", resp.getNotify().getPid());
            }
        }
        if (resp.hasCrErrno() || !resp.getSuccess()) {
            out.put("cr_errno", resp.getCrErrno());
        }
        if (resp.hasCrErrmsg()) {
            out.put("cr_errmsg", resp.getCrErrmsg());
        }
        if (resp.hasRestore()) {
            out.put("restored_pid", resp.getRestore().getPid());
        }
        if (resp.hasDump() && resp.getDump().hasRestored()) {
            out.put("restored", resp.getDump().getRestored());
        }
        if (resp.hasVersion()) {
            CriuRpc.criu_version v = resp.getVersion();
            out.put(
                    "version",
                    v.getMajorNumber() + "." + v.getMinorNumber() + (v.hasSublevel() ? "." + v.getSublevel() : "")
                            + (v.hasGitid() ? " (" + v.getGitid() + ")" : ""));
        }
        if (resp.hasStatus()) {
            out.put("status", resp.getStatus());
        }
        if (resp.hasFeatures()) {
            out.put("features", resp.getFeatures().toString().trim().replace('\n', ' '));
        }
    }
}
