package io.crifailover.shim;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

class MemoryTrimTest {

    private final ScheduledExecutorService timer = mock(ScheduledExecutorService.class);
    private final MemoryTrim trim = new MemoryTrim(timer);

    @Test
    void normalMessagesNeverTrim() {
        trim.sawMessage(0);
        trim.sawMessage(MemoryTrim.HUGE_BYTES - 1);
        verify(timer, never()).schedule(any(Runnable.class), anyLong(), any());
    }

    @Test
    void aBurstOfHugeMessagesSchedulesOneTrimWhichWaitsForQuiet() {
        trim.sawMessage(MemoryTrim.HUGE_BYTES);
        trim.sawMessage(64 * 1024 * 1024);
        ArgumentCaptor<Runnable> task = ArgumentCaptor.forClass(Runnable.class);
        verify(timer, times(1)).schedule(task.capture(), eq(MemoryTrim.DELAY_SECONDS), eq(TimeUnit.SECONDS));

        // the last huge message was just now: the trim waits for the rest of the quiet period
        task.getValue().run();
        verify(timer, times(1)).schedule(any(Runnable.class), anyLong(), eq(TimeUnit.NANOSECONDS));
        trim.sawMessage(MemoryTrim.HUGE_BYTES);
        verify(timer, times(1)).schedule(any(Runnable.class), eq(MemoryTrim.DELAY_SECONDS), eq(TimeUnit.SECONDS));
    }
}
