// Runs AWS's DynamoDB Local bound to 127.0.0.1 only, optionally behind a token, optionally until
// it has been idle for a while. Run in Java's source-file mode (java <this file>), with the
// DynamoDB Local jar and its libraries on the class path.
//
//   java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* loopback-dynamodb-local.java \
//     <port|0> <idle seconds|0> <state file|-> <DynamoDB Local arguments...>
//
// Why: DynamoDB Local has no bind-address option (only -port) and its Jetty server listens on
// every interface, accepting any credentials. This launcher builds the same server
// (ServerRunner.createServerFromCommandLineArgs) and, before it starts, moves its connector to
// 127.0.0.1 and wraps its handler in a guard.
//
// - Port 0: the kernel picks a free port (no race between choosing a port and binding it).
// - Environment MLTRAIL_STORE_TOKEN, when set: only requests whose SigV4 Authorization header
//   carries it as the access key id are served (CORS preflights aside, which carry none); any
//   other gets 403. The token is never on the command line, which other local users can read.
// - GET /mltrail/status (with the token): this store's pid, port, dbPath and idle figures.
//   POST /mltrail/touch: the same, and counts as activity. POST /mltrail/stop: stops the store.
// - Idle seconds > 0: the process exits once no request has come for that long.
// - State file: written (mode 0600, atomically) once the server listens; removed on exit if it
//   still describes this process. While it runs, the process holds an exclusive lock on
//   <state file>.lock, so that two stores never serve one folder: a second one exits with 75.
// - Prints one line {"mltrailStore":{"pid":N,"port":N}} on stdout once it listens.
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

// Not public: javac then accepts a file name other than the class name.
final class LoopbackDynamoDbLocal {
  static final String LOOPBACK = "127.0.0.1";
  static final int EXIT_LOCKED = 75;
  static final long IDLE_CHECK_MS = 1_000;

  static final AtomicLong lastActivityMs = new AtomicLong(System.currentTimeMillis());
  static final AtomicInteger inFlight = new AtomicInteger();
  static volatile int port;
  static volatile Path stateFile;
  static volatile String stateText;

  public static void main(String[] args) throws Exception {
    int requestedPort = Integer.parseInt(args[0]);
    long idleSeconds = Long.parseLong(args[1]);
    stateFile = args[2].equals("-") ? null : Path.of(args[2]).toAbsolutePath();
    String[] dynamoDbArgs = Arrays.copyOfRange(args, 3, args.length);
    String token = System.getenv("MLTRAIL_STORE_TOKEN");

    FileLock lock = stateFile == null ? null : lockFolder(Path.of(stateFile + ".lock"));
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(dynamoDbArgs);
    Field serverField = DynamoDBProxyServer.class.getDeclaredField("server");
    serverField.setAccessible(true);
    Server server = (Server) serverField.get(proxy);
    for (Connector connector : server.getConnectors()) {
      AbstractNetworkConnector network = (AbstractNetworkConnector) connector;
      network.setHost(LOOPBACK);
      network.setPort(requestedPort);
    }
    String dbPath = dbPathOf(dynamoDbArgs);
    Guard guard = new Guard(token, dbPath, idleSeconds, () -> stop(proxy));
    guard.setHandler(server.getHandler());
    server.setHandler(guard);
    try {
      proxy.safeStart();
    } catch (Exception error) {
      System.err.println("Failed to bind " + LOOPBACK + ":" + requestedPort + ": " + error.getMessage());
      System.exit(1);
    }
    port = ((AbstractNetworkConnector) server.getConnectors()[0]).getLocalPort();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> removeStateFile()));
    if (stateFile != null) writeStateFile(token, dbPath, idleSeconds);
    System.out.println("{\"mltrailStore\":{\"pid\":" + ProcessHandle.current().pid() + ",\"port\":" + port + "}}");
    System.out.flush();
    if (idleSeconds > 0) exitWhenIdle(idleSeconds, proxy);
    server.join();
    if (lock != null) lock.release();
  }

  static FileLock lockFolder(Path lockFile) throws IOException {
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock = channel.tryLock();
    if (lock == null) {
      System.err.println("another store serves this folder (" + lockFile + " is locked)");
      System.exit(EXIT_LOCKED);
    }
    return lock;
  }

  static String dbPathOf(String[] dynamoDbArgs) throws IOException {
    for (int i = 0; i + 1 < dynamoDbArgs.length; i++) {
      if (dynamoDbArgs[i].equals("-dbPath")) return Path.of(dynamoDbArgs[i + 1]).toRealPath().toString();
    }
    return null;
  }

  static void writeStateFile(String token, String dbPath, long idleSeconds) throws IOException {
    stateText = "{\"pid\":" + ProcessHandle.current().pid()
        + ",\"port\":" + port
        + ",\"token\":" + json(token)
        + ",\"dbPath\":" + json(dbPath)
        + ",\"idleTimeoutSeconds\":" + idleSeconds
        + ",\"startedAt\":" + json(Instant.now().toString()) + "}\n";
    Path temporary = stateFile.resolveSibling(stateFile.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    Files.deleteIfExists(temporary);
    Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temporary, stateText, StandardCharsets.UTF_8);
    Files.move(temporary, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  static void removeStateFile() {
    if (stateFile == null || stateText == null) return;
    try {
      if (Files.readString(stateFile, StandardCharsets.UTF_8).equals(stateText)) Files.delete(stateFile);
    } catch (IOException error) {
      // Gone already, or replaced by another store's: nothing of ours to remove.
    }
  }

  static void exitWhenIdle(long idleSeconds, DynamoDBProxyServer proxy) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "mltrail-idle-timer");
      thread.setDaemon(true);
      return thread;
    });
    timer.scheduleAtFixedRate(() -> {
      long idleMs = System.currentTimeMillis() - lastActivityMs.get();
      if (inFlight.get() == 0 && idleMs >= idleSeconds * 1_000) {
        System.err.println("idle for " + idleSeconds + " s: stopping");
        stop(proxy);
      }
    }, IDLE_CHECK_MS, IDLE_CHECK_MS, TimeUnit.MILLISECONDS);
  }

  static void stop(DynamoDBProxyServer proxy) {
    // Off the calling thread: a request asking to stop gets its answer first.
    Thread stopper = new Thread(() -> {
      try {
        proxy.stop();
      } catch (Exception error) {
        System.err.println("stop failed: " + error.getMessage());
      }
      System.exit(0);
    }, "mltrail-stop");
    stopper.start();
  }

  static String json(String value) {
    if (value == null) return "null";
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  /** Serves only requests that carry the token, and answers the /mltrail/ paths. */
  static final class Guard extends Handler.Wrapper {
    private final byte[] token;
    private final String dbPath;
    private final long idleSeconds;
    private final Runnable stop;

    Guard(String token, String dbPath, long idleSeconds, Runnable stop) {
      this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
      this.dbPath = dbPath;
      this.idleSeconds = idleSeconds;
      this.stop = stop;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String method = request.getMethod();
      if (!method.equals("OPTIONS") && !carriesToken(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
        // The shape of DynamoDB's own answer to an unknown access key, so that SDKs report it as such.
        response.setStatus(400);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-amz-json-1.0");
        String body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#UnrecognizedClientException\","
            + "\"message\":\"this store serves only requests signed with its token (see store.json in its data folder)\"}";
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
      }
      String path = request.getHttpURI().getPath();
      if (path != null && path.startsWith("/mltrail/")) return answer(path, method, response, callback);
      inFlight.incrementAndGet();
      lastActivityMs.set(System.currentTimeMillis());
      try {
        return super.handle(request, response, Callback.from(callback, () -> {
          lastActivityMs.set(System.currentTimeMillis());
          inFlight.decrementAndGet();
        }));
      } catch (Exception error) {
        inFlight.decrementAndGet();
        throw error;
      }
    }

    private boolean answer(String path, String method, Response response, Callback callback) {
      String body;
      boolean touch = path.equals("/mltrail/touch") && method.equals("POST");
      if (touch || (path.equals("/mltrail/status") && method.equals("GET"))) {
        if (touch) lastActivityMs.set(System.currentTimeMillis());
        long idleMs = System.currentTimeMillis() - lastActivityMs.get();
        body = "{\"pid\":" + ProcessHandle.current().pid()
            + ",\"port\":" + port
            + ",\"dbPath\":" + json(dbPath)
            + ",\"idleTimeoutSeconds\":" + idleSeconds
            + ",\"idleSeconds\":" + (idleMs / 1_000)
            + ",\"requestsInFlight\":" + inFlight.get() + "}";
      } else if (path.equals("/mltrail/stop") && method.equals("POST")) {
        body = "{\"stopping\":true}";
        callback = Callback.from(callback, stop);
      } else {
        response.setStatus(404);
        body = "{}";
      }
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
      return true;
    }

    // SigV4: "AWS4-HMAC-SHA256 Credential=<access key id>/<date>/<region>/<service>/aws4_request, ..."
    private boolean carriesToken(String authorization) {
      if (token == null) return true;
      if (authorization == null) return false;
      int start = authorization.indexOf("Credential=");
      if (start < 0) return false;
      start += "Credential=".length();
      int end = authorization.indexOf('/', start);
      if (end < 0) return false;
      byte[] given = authorization.substring(start, end).getBytes(StandardCharsets.UTF_8);
      return MessageDigest.isEqual(given, token);
    }
  }
}
