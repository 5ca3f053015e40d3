// The hall display: polls the call feed, shows who is called where, and announces each call aloud —
// with the browser's Mandarin voice where it has one, else with the server's recording of the sentence,
// else with a chime (the screen still flashes the number).
(function () {
  const root = document.getElementById("display");
  const feedUrl = root.dataset.feed;
  const audioUrl = root.dataset.audio;
  let after = parseInt(root.dataset.after, 10) || 0;
  let repeat = parseInt(root.dataset.repeat, 10) || 2;
  const queue = [];
  let speaking = false;
  let soundOn = false;
  const waitingLabel = document.getElementById("t-waiting").innerHTML.trim();

  function chineseVoice() {
    if (!("speechSynthesis" in window)) return null;
    return window.speechSynthesis.getVoices().find((v) => /^zh|cmn/i.test(v.lang)) || null;
  }

  function speakWithVoice(text, voice) {
    return new Promise((resolve) => {
      const u = new SpeechSynthesisUtterance(text);
      u.voice = voice;
      u.lang = voice.lang;
      u.rate = 0.9;
      u.onend = u.onerror = () => resolve();
      window.speechSynthesis.speak(u);
    });
  }

  // Never wait on a sound for ever (an output device may be missing): go on after a while.
  function atMost(promise, ms) {
    return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
  }

  function playRecording(callId) {
    return new Promise((resolve, reject) => {
      const audio = new Audio(audioUrl.replace(/\/0\.wav$/, "/" + callId + ".wav"));
      audio.onended = () => resolve();
      audio.onerror = () => reject(new Error("no recording"));
      audio.play().catch(reject);
    });
  }

  function chime() {
    return new Promise((resolve) => {
      try {
        const ctx = new (window.AudioContext || window.webkitAudioContext)();
        [880, 660].forEach((freq, i) => {
          const osc = ctx.createOscillator();
          const gain = ctx.createGain();
          osc.frequency.value = freq;
          gain.gain.setValueAtTime(0.3, ctx.currentTime + i * 0.4);
          gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.4 + 0.35);
          osc.connect(gain).connect(ctx.destination);
          osc.start(ctx.currentTime + i * 0.4);
          osc.stop(ctx.currentTime + i * 0.4 + 0.4);
        });
        setTimeout(resolve, 900);
      } catch (e) {
        resolve();
      }
    });
  }

  async function announce(call) {
    const voice = chineseVoice();
    root.dataset.lastAnnounced = call.id;
    for (let i = 0; i < repeat; i++) {
      root.dataset.announcements = String((parseInt(root.dataset.announcements, 10) || 0) + 1);
      if (!soundOn) {
        root.dataset.announcedWith = "silent";
      } else if (voice) {
        root.dataset.announcedWith = "voice";
        await atMost(speakWithVoice(call.speech, voice), 12000);
      } else {
        try {
          root.dataset.announcedWith = "recording";
          await atMost(playRecording(call.id), 12000);
        } catch (e) {
          root.dataset.announcedWith = "chime";
          await chime();
        }
      }
      await new Promise((r) => setTimeout(r, 600));
    }
  }

  async function drain() {
    if (speaking) return;
    speaking = true;
    while (queue.length) {
      const call = queue.shift();
      const current = document.getElementById("current");
      current.textContent = call.ticket + " → " + call.window;
      document.getElementById("current-text").textContent = call.text;
      current.classList.remove("flash");
      void current.offsetWidth;
      current.classList.add("flash");
      await announce(call);
    }
    speaking = false;
  }

  function render(data) {
    const serving = document.getElementById("serving");
    serving.replaceChildren(
      ...data.serving.map((s) => {
        const tr = document.createElement("tr");
        const a = document.createElement("td");
        a.textContent = s.ticket;
        const b = document.createElement("td");
        b.textContent = s.window;
        tr.append(a, b);
        return tr;
      })
    );
    document.getElementById("waiting").textContent = data.waiting
      .map((w) => w.prefix + " " + w.name + " " + w.waiting + " " + waitingLabel)
      .join(" · ");
  }

  async function poll() {
    try {
      const response = await fetch(feedUrl + "?after=" + after, { headers: { "X-Poll": "1" }, credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        repeat = data.repeat || repeat;
        after = data.last;
        root.dataset.after = String(after);
        render(data);
        data.calls.forEach((c) => queue.push(c));
        drain();
      }
    } catch (e) {
      /* the network is back at the next tick */
    }
    setTimeout(poll, 2000);
  }

  function tick() {
    document.getElementById("clock").textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false });
  }

  document.getElementById("sound-on").addEventListener("click", () => {
    soundOn = true;
    document.getElementById("sound-gate").hidden = true;
    if ("speechSynthesis" in window) window.speechSynthesis.getVoices();
  });
  setInterval(tick, 1000);
  tick();
  poll();
})();
