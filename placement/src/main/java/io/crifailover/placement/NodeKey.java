package io.crifailover.placement;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

/**
 * A node's placement key pair (RSA 2048). The private key is generated on the node and never leaves it: a file of
 * the base64 PKCS#8 encoding, mode 0600. The public key (base64 X.509, {@link #publicKeyText()}) goes into the
 * cluster settings of every member. BFT-SMaRt authenticates the replica-to-replica channels with it, and the node's
 * placement client signs every request with it ({@link SignedRequest}).
 */
public final class NodeKey {
    /** Name of the key file in a node's state directory. */
    public static final String FILE_NAME = "placement.key";

    static final String SIGNATURE_ALGORITHM = "SHA256withRSA";
    private static final int KEY_BITS = 2048;

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private NodeKey(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** Reads the key in {@code file}, or generates one there (0600) if there is none. */
    public static NodeKey loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return load(file);
        }
        NodeKey key = generate();
        Files.createDirectories(file.toAbsolutePath().getParent());
        write(file, key.privateKeyText());
        return key;
    }

    /** Reads the key in {@code file}; refuses a file that others may read. */
    public static NodeKey load(Path file) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        mode.removeAll(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        if (!mode.isEmpty()) {
            throw new IOException("placement key " + file + " must be readable by its owner only (0600), is "
                    + PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        try {
            return fromPrivateKeyText(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException("placement key " + file + ": " + e.getMessage(), e);
        }
    }

    /** A fresh key pair (tests; nodes use {@link #loadOrCreate}). */
    public static NodeKey generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(KEY_BITS);
            var pair = generator.generateKeyPair();
            return new NodeKey(pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA key generation unavailable", e);
        }
    }

    static NodeKey fromPrivateKeyText(String text) {
        try {
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            PrivateKey priv = rsa.generatePrivate(new PKCS8EncodedKeySpec(decode(text, "private key")));
            if (!(priv instanceof RSAPrivateCrtKey crt)) {
                throw new IllegalArgumentException("not an RSA private key with CRT parameters");
            }
            PublicKey pub = rsa.generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
            return new NodeKey(priv, pub);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a PKCS#8 RSA private key: " + e.getMessage(), e);
        }
    }

    /** Parses a member's public key as written in the cluster settings (base64 X.509). */
    public static PublicKey parsePublicKey(String text) {
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(decode(text, "public key")));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an X.509 RSA public key: " + e.getMessage(), e);
        }
    }

    /** Whether {@code signature} is {@code key}'s signature of {@code data}. */
    static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance(SIGNATURE_ALGORITHM);
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    byte[] sign(byte[] data) {
        try {
            Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
            signer.initSign(privateKey);
            signer.update(data);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }

    /** The public key as it goes into the cluster settings: base64 of its X.509 encoding. */
    public String publicKeyText() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    String privateKeyText() {
        return Base64.getEncoder().encodeToString(privateKey.getEncoded());
    }

    PrivateKey privateKey() {
        return privateKey;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** Writes {@code text} to a new file {@code target}, 0600 from the start, fsynced, renamed into place. */
    static void write(Path target, String text) throws IOException {
        ClusterConfigWriter.writeAtomically(target.toAbsolutePath(), text);
    }

    private static byte[] decode(String text, String what) {
        try {
            return Base64.getMimeDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not base64: " + e.getMessage(), e);
        }
    }
}
