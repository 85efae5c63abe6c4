package io.meshtrace.query.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The browser UI's files (ES modules, CSS, the HTML shell), read from the classpath once at
 * start-up and held in memory: they are a few tens of kilobytes, and reading them on the event
 * loop per request would block it. The {@link #version()} is a hash of every file, so asset URLs
 * change whenever any file does and browsers may cache them for good.
 */
public final class UiAssets {
  /** Where the files live on the classpath. */
  public static final String ROOT = "meshtrace-ui";

  private static final Map<String, String> CONTENT_TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "json", "application/json; charset=utf-8",
      "png", "image/png",
      "ico", "image/x-icon");

  /** One file: its bytes, content type and strong ETag. */
  public record Asset(byte[] bytes, String contentType, String etag) {}

  private final Map<String, Asset> assets;
  private final String version;

  private UiAssets(Map<String, Asset> assets, String version) {
    this.assets = assets;
    this.version = version;
  }

  /** Reads every file under {@link #ROOT}, from a directory or from inside a jar. Blocks. */
  public static UiAssets load() {
    URL root = UiAssets.class.getClassLoader().getResource(ROOT + "/index.html");
    if (root == null) {
      throw new IllegalStateException("the browser UI's files are missing from the classpath ("
          + ROOT + "/index.html)");
    }
    try {
      URI uri = root.toURI();
      if ("jar".equals(uri.getScheme())) {
        FileSystem jar;
        boolean openedHere;
        try {
          jar = FileSystems.newFileSystem(uri, Map.of());
          openedHere = true;
        } catch (FileSystemAlreadyExistsException alreadyOpen) {
          jar = FileSystems.getFileSystem(uri);
          openedHere = false;
        }
        try {
          return read(jar.provider().getPath(uri).getParent());
        } finally {
          if (openedHere) {
            jar.close();
          }
        }
      }
      return read(Path.of(uri).getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the browser UI's files", e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static UiAssets read(Path dir) throws IOException {
    Map<String, Asset> assets = new TreeMap<>();
    MessageDigest all = sha256();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path file : files) {
      String name = dir.relativize(file).toString().replace('\\', '/');
      byte[] bytes = Files.readAllBytes(file);
      String hash = HexFormat.of().formatHex(sha256().digest(bytes));
      assets.put(name, new Asset(bytes, contentType(name), "\"" + hash.substring(0, 32) + "\""));
      all.update(name.getBytes(StandardCharsets.UTF_8));
      all.update(bytes);
    }
    return new UiAssets(Map.copyOf(assets), HexFormat.of().formatHex(all.digest()).substring(0, 12));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The content type by extension; unknown kinds are served as bytes, never sniffed. */
  static String contentType(String name) {
    int dot = name.lastIndexOf('.');
    String type = dot < 0 ? null : CONTENT_TYPES.get(name.substring(dot + 1));
    return type != null ? type : "application/octet-stream";
  }

  /** A file by its path under the root ({@code "app.js"}, {@code "pages/search.js"}), or null. */
  public Asset get(String path) {
    return assets.get(path);
  }

  /** A short hash of every file, which asset URLs carry. */
  public String version() {
    return version;
  }
}
