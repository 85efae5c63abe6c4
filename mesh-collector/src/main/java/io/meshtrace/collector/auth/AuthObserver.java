package io.meshtrace.collector.auth;

/** What authentication reports to metrics. */
public interface AuthObserver {
  AuthObserver NONE = new AuthObserver() {
    @Override
    public void listenerGuarded(String listener) {}

    @Override
    public void refused(String listener, Refusal.Reason reason) {}

    @Override
    public void credentialsFileLoaded() {}

    @Override
    public void credentialsFileFailed() {}
  };

  /** A listener's guard exists: its series start at zero. */
  void listenerGuarded(String listener);

  void refused(String listener, Refusal.Reason reason);

  void credentialsFileLoaded();

  /** A changed credentials file could not be used; the last good one is kept. */
  void credentialsFileFailed();
}
