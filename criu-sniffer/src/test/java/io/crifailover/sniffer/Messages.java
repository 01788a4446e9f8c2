package io.crifailover.sniffer;

import io.crifailover.protos.criu.CriuRpc;

/** Hand-built runc/CRIU datagrams for tests. */
final class Messages {
    private Messages() {}

    static byte[] dumpRequest() {
        return CriuRpc.criu_req
                .newBuilder()
                .setType(CriuRpc.criu_req_type.DUMP)
                .setOpts(CriuRpc.criu_opts
                        .newBuilder()
                        .setImagesDirFd(6)
                        .setWorkDirFd(7)
                        .setLeaveRunning(true)
                        .setTcpEstablished(true)
                        .setManageCgroups(true)
                        .setPid(42)
                        .setNotifyScripts(true))
                .build()
                .toByteArray();
    }

    static byte[] restoreRequest(int imagesFd) {
        return CriuRpc.criu_req
                .newBuilder()
                .setType(CriuRpc.criu_req_type.RESTORE)
                .setOpts(CriuRpc.criu_opts.newBuilder().setImagesDirFd(imagesFd).setRstSibling(true))
                .build()
                .toByteArray();
    }

    static byte[] notify(String script) {
        return CriuRpc.criu_resp
                .newBuilder()
                .setType(CriuRpc.criu_req_type.NOTIFY)
                .setSuccess(true)
                .setNotify(CriuRpc.criu_notify.newBuilder().setScript(script))
                .build()
                .toByteArray();
    }

    static byte[] notifyAck() {
        return CriuRpc.criu_req
                .newBuilder()
                .setType(CriuRpc.criu_req_type.NOTIFY)
                .setNotifySuccess(true)
                .build()
                .toByteArray();
    }

    static byte[] reply(CriuRpc.criu_req_type type, boolean ok) {
        return CriuRpc.criu_resp
                .newBuilder()
                .setType(type)
                .setSuccess(ok)
                .build()
                .toByteArray();
    }

    static byte[] failedReply(int errno, String msg) {
        return CriuRpc.criu_resp
                .newBuilder()
                .setType(CriuRpc.criu_req_type.RESTORE)
                .setSuccess(false)
                .setCrErrno(errno)
                .setCrErrmsg(msg)
                .build()
                .toByteArray();
    }

    static byte[] restoreReply(int pid) {
        return CriuRpc.criu_resp
                .newBuilder()
                .setType(CriuRpc.criu_req_type.RESTORE)
                .setSuccess(true)
                .setRestore(CriuRpc.criu_restore_resp.newBuilder().setPid(pid))
                .build()
                .toByteArray();
    }
}
