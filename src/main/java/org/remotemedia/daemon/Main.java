package org.remotemedia.daemon;

public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("remotemedia-server");
    }
}
