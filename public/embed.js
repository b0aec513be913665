// The Coordinator Playground's loader for docs pages. Include it once:
//
//   <script src="https://<where the playground is served>/embed.js" defer></script>
//   <coordinator-playground scenario="leader-crash-failover" speed="5" controls="crash,pause"
//     lesson="Crash the leader and watch another server take over." autoplay="visible"></coordinator-playground>
//
// It defines that element, which creates the playground's iframe (?embed=1) and checks its attributes (a bad
// one shows an inline error that names it and says what is allowed), and it sizes the playground's iframes
// on this page to the height they post: { type: 'coordinator-playground:height', height } (CSS pixels). A
// message is believed only from one of those iframes' own window, from that iframe's origin.
(() => {
  'use strict';
  if (window.customElements?.get('coordinator-playground')) return;

  const MESSAGE = 'coordinator-playground:height';
  const MAX_HEIGHT = 4000;
  /** Where the playground is: beside this script, unless an element says otherwise with `src`. */
  const BASE = new URL('./', document.currentScript?.src ?? location.href).href;
  const SPEEDS = ['0.5', '1', '2', '5', '10', '20', '50', '100'];
  const CONTROLS = ['crash', 'stop', 'restart', 'pause', 'resume', 'cutoff', 'heal'];

  /** The iframes this script sizes: those its elements made, and any iframe marked data-coordinator-playground. */
  const made = new Set();
  function playgroundFrames() {
    const frames = new Set(made);
    for (const frame of document.querySelectorAll('iframe[data-coordinator-playground]')) frames.add(frame);
    return frames;
  }

  function originOf(frame) {
    try {
      return new URL(frame.src, location.href).origin;
    } catch {
      return null;
    }
  }

  window.addEventListener('message', (event) => {
    const data = event.data;
    if (!data || typeof data !== 'object' || data.type !== MESSAGE) return;
    const height = data.height;
    if (typeof height !== 'number' || !Number.isFinite(height) || height <= 0) return;
    for (const frame of playgroundFrames()) {
      if (frame.contentWindow !== event.source) continue;
      if (originOf(frame) !== event.origin) return;
      frame.style.height = `${Math.min(Math.ceil(height), MAX_HEIGHT)}px`;
      return;
    }
  });

  /** Each attribute's check: null when the value is fine, else what is allowed. */
  const CHECKS = {
    scenario: (value) =>
      /^[a-z0-9][a-z0-9-]{0,80}$/.test(value)
        ? null
        : 'an example scenario name such as leader-crash-failover',
    speed: (value) => (SPEEDS.includes(value) ? null : `one of ${SPEEDS.join(', ')}`),
    seed: (value) => (/^-?\d{1,10}$/.test(value) ? null : 'a whole number'),
    controls: (value) =>
      value
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .every((name) => name === '' || CONTROLS.includes(name))
        ? null
        : `a comma-separated list of ${CONTROLS.join(', ')}`,
    autoplay: (value) => (value === 'visible' ? null : '"visible" (or leave it out to start paused)'),
    theme: (value) => (value === 'light' || value === 'dark' ? null : 'light or dark'),
    lesson: (value) => (value.length <= 240 ? null : 'at most 240 characters'),
    play: (value) => (value === '1' || value === '' ? null : '1'),
    height: (value) => (/^\d{2,4}$/.test(value) ? null : 'a height in pixels, such as 420'),
    src: (value) => {
      try {
        new URL(value, location.href);
        return null;
      } catch {
        return 'the address of the playground page';
      }
    },
  };
  /** Passed on to the playground's address as they are. */
  const PASSED = ['scenario', 'speed', 'seed', 'controls', 'autoplay', 'theme', 'lesson', 'play'];

  class CoordinatorPlayground extends HTMLElement {
    static get observedAttributes() {
      return Object.keys(CHECKS);
    }

    connectedCallback() {
      this.render();
    }

    disconnectedCallback() {
      for (const frame of this.querySelectorAll('iframe')) made.delete(frame);
    }

    attributeChangedCallback() {
      if (this.isConnected) this.render();
    }

    render() {
      for (const frame of this.querySelectorAll('iframe')) made.delete(frame);
      this.replaceChildren();
      this.style.display = 'block';
      const problems = [];
      for (const [name, check] of Object.entries(CHECKS)) {
        const value = this.getAttribute(name);
        if (value === null) continue;
        const allowed = check(value);
        if (allowed !== null) problems.push(`${name}="${value}" is not allowed: use ${allowed}`);
      }
      if (problems.length > 0) {
        const box = document.createElement('div');
        box.setAttribute('role', 'alert');
        box.dataset.testid = 'coordinator-playground-error';
        box.style.cssText =
          'border:1px solid #b3261e;background:#fbe7e5;color:#7a1a14;border-radius:6px;padding:8px 10px;font:13px/1.4 system-ui,sans-serif';
        const title = document.createElement('strong');
        title.textContent = 'coordinator-playground: ';
        box.append(title, problems.join('; '));
        this.append(box);
        return;
      }
      const url = new URL(this.getAttribute('src') ?? BASE, location.href);
      url.searchParams.set('embed', '1');
      for (const name of PASSED) {
        const value = this.getAttribute(name);
        if (value !== null && value !== '') url.searchParams.set(name, value);
      }
      if (this.getAttribute('play') === '') url.searchParams.set('play', '1');
      const frame = document.createElement('iframe');
      frame.src = url.href;
      frame.title = `Coordinator Playground: ${this.getAttribute('scenario') ?? 'leader-crash-failover'}`;
      frame.loading = 'lazy';
      frame.style.cssText = `display:block;width:100%;border:0;height:${this.getAttribute('height') ?? 420}px`;
      made.add(frame);
      this.append(frame);
    }
  }

  customElements.define('coordinator-playground', CoordinatorPlayground);
})();
