package io.crifailover.image.meta;

/** Which container runtime wrote a checkpoint archive. */
public enum RuntimeFlavour {
    CRIO,
    CONTAINERD,
    UNKNOWN
}
