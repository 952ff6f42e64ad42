// CineKernel studio: the page. Talks to the studio's JSON API (README "Studio"); holds the painted mask
// (alpha of #mask: 0 still .. 1 animated), the arrows (in canvas pixels, sent in photo pixels) and the settings.
'use strict';
(() => {
  const $ = id => document.getElementById(id);
  const N = 512; // canvas side; the server's display size
  const TINT = [255, 61, 127];
  const photoCanvas = $('photo'), maskCanvas = $('mask'), overlay = $('overlay');
  const maskCtx = maskCanvas.getContext('2d', { willReadFrequently: true });
  const overlayCtx = overlay.getContext('2d');
  const state = {
    info: null, photo: null, tool: 'paint', arrows: [], selected: -1, drag: null,
    predictedMotion: false, job: null, events: null, motionTimer: 0, motionRequest: 0,
  };

  // ---- messages -------------------------------------------------------------------------------------------
  function showError(message) {
    const box = $('error');
    box.textContent = message;
    box.hidden = !message;
  }
  function status(text) { $('status').textContent = text; }

  async function api(path, options = {}) {
    const response = await fetch(path, options);
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      try { const body = await response.json(); if (body && body.error) message = body.error; } catch { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }

  // ---- photo ----------------------------------------------------------------------------------------------
  async function openPhoto(file) {
    if (!file) return;
    showError('');
    status(`Opening ${file.name}…`);
    const form = new FormData();
    form.append('photo', file, file.name);
    try {
      const info = await (await api('/api/photo', { method: 'POST', body: form })).json();
      state.photo = info;
      const blob = await (await api('/api/photo.png?t=' + Date.now())).blob();
      const bitmap = await createImageBitmap(blob);
      photoCanvas.getContext('2d').drawImage(bitmap, 0, 0, N, N);
      maskCtx.clearRect(0, 0, N, N);
      state.arrows = [];
      state.selected = -1;
      state.predictedMotion = false;
      $('motion-view').hidden = true;
      closePreview();
      $('canvas-wrap').classList.remove('empty');
      $('photo-info').textContent = `${info.name}: ${info.width}×${info.height} ${info.format}` +
        (info.cropped ? `, centre ${info.crop.side}×${info.crop.side} square animated` : '');
      status('Paint what moves, then draw arrows for the motion.');
      changed();
    } catch (e) {
      showError(e.message);
      status('');
    }
  }
  $('file').addEventListener('change', e => { openPhoto(e.target.files[0]); e.target.value = ''; });
  const wrap = $('canvas-wrap');
  wrap.addEventListener('dragover', e => { e.preventDefault(); wrap.classList.add('dragging'); });
  wrap.addEventListener('dragleave', () => wrap.classList.remove('dragging'));
  wrap.addEventListener('drop', e => {
    e.preventDefault();
    wrap.classList.remove('dragging');
    if (e.dataTransfer.files.length) openPhoto(e.dataTransfer.files[0]);
  });

  // ---- tools ----------------------------------------------------------------------------------------------
  function setTool(tool) {
    state.tool = tool;
    document.querySelectorAll('[data-tool]').forEach(b => b.classList.toggle('active', b.dataset.tool === tool));
    draw();
  }
  document.querySelectorAll('[data-tool]').forEach(b => b.addEventListener('click', () => setTool(b.dataset.tool)));
  function bindOutput(input, output, format) {
    const update = () => { $(output).textContent = format($(input).value); };
    $(input).addEventListener('input', update);
    update();
  }
  bindOutput('brush-size', 'brush-size-out', v => v);
  bindOutput('brush-softness', 'brush-softness-out', v => v + '%');
  bindOutput('speed', 'speed-out', v => Number(v).toFixed(1) + '×');
  ['speed', 'frames', 'fps', 'loop'].forEach(id => $(id).addEventListener('change', changed));

  function canvasPoint(e) {
    const r = overlay.getBoundingClientRect();
    return { x: (e.clientX - r.left) * N / r.width, y: (e.clientY - r.top) * N / r.height };
  }

  // A brush dab: opaque inside (1 − softness)·radius, fading to nothing at the radius.
  function dab(p) {
    const radius = Number($('brush-size').value) / 2;
    const hard = 1 - Number($('brush-softness').value) / 100;
    const g = maskCtx.createRadialGradient(p.x, p.y, radius * hard * 0.999, p.x, p.y, radius);
    g.addColorStop(0, `rgba(${TINT},1)`);
    g.addColorStop(1, `rgba(${TINT},0)`);
    maskCtx.globalCompositeOperation = state.tool === 'erase' ? 'destination-out' : 'source-over';
    maskCtx.fillStyle = g;
    maskCtx.beginPath();
    maskCtx.arc(p.x, p.y, radius, 0, 2 * Math.PI);
    maskCtx.fill();
    maskCtx.globalCompositeOperation = 'source-over';
  }
  function stroke(from, to) {
    const step = Math.max(1, Number($('brush-size').value) / 8);
    const d = Math.hypot(to.x - from.x, to.y - from.y);
    for (let s = step; s <= d; s += step) dab({ x: from.x + (to.x - from.x) * s / d, y: from.y + (to.y - from.y) * s / d });
    dab(to);
  }

  // ---- arrows ---------------------------------------------------------------------------------------------
  function nearestArrow(p) {
    let best = null;
    state.arrows.forEach((a, i) => {
      for (const end of ['start', 'end']) {
        const q = end === 'start' ? { x: a.x0, y: a.y0 } : { x: a.x1, y: a.y1 };
        const d = Math.hypot(q.x - p.x, q.y - p.y);
        if (d < 12 && (!best || d < best.d)) best = { i, end, d };
      }
      // The shaft selects and moves the whole arrow.
      const vx = a.x1 - a.x0, vy = a.y1 - a.y0, len2 = vx * vx + vy * vy || 1;
      const t = Math.max(0, Math.min(1, ((p.x - a.x0) * vx + (p.y - a.y0) * vy) / len2));
      const d = Math.hypot(a.x0 + t * vx - p.x, a.y0 + t * vy - p.y);
      if (d < 6 && (!best || d + 6 < best.d)) best = { i, end: 'whole', d: d + 6 };
    });
    return best;
  }
  const clampStart = v => Math.max(0, Math.min(N - 0.01, v));
  function removeArrow(i) {
    state.arrows.splice(i, 1);
    state.selected = -1;
    changed();
  }

  overlay.addEventListener('pointerdown', e => {
    if (!state.photo) return;
    overlay.setPointerCapture(e.pointerId);
    const p = canvasPoint(e);
    if (state.tool === 'arrow') {
      const hit = nearestArrow(p);
      if (hit) {
        state.selected = hit.i;
        state.drag = { kind: hit.end, i: hit.i, last: p };
      } else {
        state.arrows.push({ x0: clampStart(p.x), y0: clampStart(p.y), x1: p.x, y1: p.y });
        state.selected = state.arrows.length - 1;
        state.drag = { kind: 'end', i: state.selected, last: p, created: true };
      }
    } else {
      state.drag = { kind: 'brush', last: p };
      dab(p);
    }
    draw();
  });
  overlay.addEventListener('pointermove', e => {
    const p = canvasPoint(e);
    state.hover = p;
    const drag = state.drag;
    if (drag) {
      if (drag.kind === 'brush') stroke(drag.last, p);
      else {
        const a = state.arrows[drag.i];
        if (drag.kind === 'end') { a.x1 = p.x; a.y1 = p.y; }
        else if (drag.kind === 'start') { a.x0 = clampStart(p.x); a.y0 = clampStart(p.y); }
        else {
          const dx = p.x - drag.last.x, dy = p.y - drag.last.y;
          a.x0 = clampStart(a.x0 + dx); a.y0 = clampStart(a.y0 + dy); a.x1 += dx; a.y1 += dy;
        }
      }
      drag.last = p;
    }
    draw();
  });
  function endDrag() {
    const drag = state.drag;
    if (!drag) return;
    state.drag = null;
    if (drag.created) {
      const a = state.arrows[drag.i];
      if (Math.hypot(a.x1 - a.x0, a.y1 - a.y0) < 3) { state.arrows.splice(drag.i, 1); state.selected = -1; }
    }
    changed();
  }
  overlay.addEventListener('pointerup', endDrag);
  overlay.addEventListener('pointercancel', endDrag);
  overlay.addEventListener('pointerleave', () => { state.hover = null; draw(); });
  overlay.addEventListener('dblclick', e => {
    const hit = state.tool === 'arrow' && nearestArrow(canvasPoint(e));
    if (hit) removeArrow(hit.i);
  });
  document.addEventListener('keydown', e => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    if ((e.key === 'Delete' || e.key === 'Backspace') && state.selected >= 0) { removeArrow(state.selected); e.preventDefault(); }
    else if (e.key === 'b') setTool('paint');
    else if (e.key === 'e') setTool('erase');
    else if (e.key === 'a') setTool('arrow');
  });
  $('clear-arrows').addEventListener('click', () => { state.arrows = []; state.selected = -1; changed(); });
  $('fill-mask').addEventListener('click', () => { maskCtx.fillStyle = `rgb(${TINT})`; maskCtx.fillRect(0, 0, N, N); changed(); });
  $('clear-mask').addEventListener('click', () => { maskCtx.clearRect(0, 0, N, N); changed(); });

  function drawArrow(a, selected) {
    const ctx = overlayCtx;
    const angle = Math.atan2(a.y1 - a.y0, a.x1 - a.x0), head = 12;
    for (const [width, colour] of [[5, 'rgba(0,0,0,0.7)'], [2.5, selected ? '#ffd84a' : '#ffffff']]) {
      ctx.strokeStyle = colour; ctx.fillStyle = colour; ctx.lineWidth = width; ctx.lineCap = 'round';
      ctx.beginPath(); ctx.moveTo(a.x0, a.y0); ctx.lineTo(a.x1, a.y1); ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(a.x1, a.y1);
      ctx.lineTo(a.x1 - head * Math.cos(angle - 0.45), a.y1 - head * Math.sin(angle - 0.45));
      ctx.lineTo(a.x1 - head * Math.cos(angle + 0.45), a.y1 - head * Math.sin(angle + 0.45));
      ctx.closePath(); ctx.fill();
      ctx.beginPath(); ctx.arc(a.x0, a.y0, width + 1.5, 0, 2 * Math.PI); ctx.fill();
    }
  }
  function draw() {
    overlayCtx.clearRect(0, 0, N, N);
    state.arrows.forEach((a, i) => drawArrow(a, i === state.selected));
    if (state.hover && state.tool !== 'arrow' && !state.drag?.kind?.startsWith('arrow')) {
      overlayCtx.strokeStyle = 'rgba(255,255,255,0.8)'; overlayCtx.lineWidth = 1;
      overlayCtx.beginPath(); overlayCtx.arc(state.hover.x, state.hover.y, Number($('brush-size').value) / 2, 0, 2 * Math.PI); overlayCtx.stroke();
    }
    const list = $('arrow-list');
    list.replaceChildren(...state.arrows.map((a, i) => {
      const li = document.createElement('li');
      const p = toPhoto(a);
      li.textContent = `${Math.round(Math.hypot(p[2] - p[0], p[3] - p[1]))} px/s`;
      li.classList.toggle('selected', i === state.selected);
      li.addEventListener('click', () => { state.selected = i; draw(); });
      const remove = document.createElement('button');
      remove.type = 'button'; remove.textContent = '×'; remove.title = 'Remove this arrow';
      remove.addEventListener('click', ev => { ev.stopPropagation(); removeArrow(i); });
      li.append(remove);
      return li;
    }));
  }

  // Canvas pixels (continuous, 0..N) to photo pixels (integer = pixel centre), through the centre crop.
  function toPhoto(a) {
    const c = state.photo.crop, s = c.side / N;
    return [c.x + a.x0 * s - 0.5, c.y + a.y0 * s - 0.5, c.x + a.x1 * s - 0.5, c.y + a.y1 * s - 0.5];
  }

  // ---- requests -------------------------------------------------------------------------------------------
  function settings() {
    return {
      frames: Number($('frames').value), fps: Number($('fps').value), speed: Number($('speed').value),
      loop: $('loop').value, size: Number($('size').value), format: $('format').value,
      arrows: state.arrows.map(toPhoto),
      motion: state.arrows.length === 0 && state.predictedMotion ? 'predicted' : 'arrows',
    };
  }
  // The mask as a grey PNG: red = the painted alpha (white animated), what MaskInput reads.
  function maskBlob() {
    const src = maskCtx.getImageData(0, 0, N, N);
    const out = new ImageData(N, N);
    for (let i = 0; i < src.data.length; i += 4) {
      const a = src.data[i + 3];
      out.data[i] = out.data[i + 1] = out.data[i + 2] = a;
      out.data[i + 3] = 255;
    }
    const c = document.createElement('canvas');
    c.width = c.height = N;
    c.getContext('2d').putImageData(out, 0, 0);
    return new Promise(resolve => c.toBlob(resolve, 'image/png'));
  }
  async function renderForm() {
    const form = new FormData();
    form.append('settings', JSON.stringify(settings()));
    form.append('mask', await maskBlob(), 'mask.png');
    return form;
  }

  // Something changed: redraw, and refresh the colour wheel when it is shown.
  function changed() {
    draw();
    const motion = state.arrows.length ? `${state.arrows.length} arrow${state.arrows.length > 1 ? 's' : ''}`
      : state.predictedMotion ? 'the predicted motion' : 'no motion yet: draw an arrow';
    $('motion-note').textContent = `Motion: ${motion}.`;
    clearTimeout(state.motionTimer);
    if ($('show-motion').checked) state.motionTimer = setTimeout(showMotion, 250);
    else $('motion-view').hidden = true;
  }
  $('show-motion').addEventListener('change', changed);
  async function showMotion() {
    if (!state.photo || (!state.arrows.length && !state.predictedMotion)) { $('motion-view').hidden = true; return; }
    const ticket = ++state.motionRequest;
    try {
      const blob = await (await api('/api/motion', { method: 'POST', body: await renderForm() })).blob();
      if (ticket !== state.motionRequest) return;
      const view = $('motion-view');
      if (view.src.startsWith('blob:')) URL.revokeObjectURL(view.src);
      view.src = URL.createObjectURL(blob);
      view.hidden = false;
      showError('');
    } catch (e) { showError(e.message); }
  }

  // ---- render jobs ----------------------------------------------------------------------------------------
  function busy(running) {
    $('preview').disabled = $('export').disabled = running;
    $('predict-mask').disabled = $('predict-motion').disabled = running;
    $('cancel').disabled = !running;
  }
  async function start(kind) {
    if (!state.photo) { showError('Open a photo first.'); return; }
    showError('');
    $('warnings').replaceChildren();
    if (kind === 'export') $('download').replaceChildren();
    try {
      const job = await (await api('/api/' + kind, { method: 'POST', body: await renderForm() })).json();
      state.job = job;
      busy(true);
      status(kind === 'preview' ? 'Rendering the preview…' : 'Exporting…');
      follow(job);
    } catch (e) { showError(e.message); }
  }
  function follow(job) {
    if (state.events) state.events.close();
    const events = new EventSource(job.events);
    state.events = events;
    events.addEventListener('progress', message => {
      const j = JSON.parse(message.data);
      $('progress').max = Math.max(1, j.frames);
      $('progress').value = j.frame;
      $('progress-text').textContent = j.state === 'encoding' ? 'encoding…' : `${j.frame} / ${j.frames} frames`;
      $('warnings').replaceChildren(...(j.warnings || []).map(w => { const li = document.createElement('li'); li.textContent = w; return li; }));
      if (!['done', 'failed', 'cancelled'].includes(j.state)) return;
      events.close();
      state.events = null;
      busy(false);
      if (j.state === 'done') finished(j);
      else if (j.state === 'failed') { showError(j.error); status(''); }
      else status('Cancelled.');
    });
    events.onerror = () => {
      if (state.events !== events) return;
      events.close();
      state.events = null;
      busy(false);
      showError('lost the connection to the studio');
    };
  }
  function finished(job) {
    if (job.kind === 'preview') {
      const view = $('preview-view');
      view.src = job.result + '?t=' + Date.now();
      view.hidden = false;
      $('preview-bar').hidden = false;
      status('Preview ready (playing in place).');
    } else {
      const link = document.createElement('a');
      link.href = job.result;
      link.id = 'download-link';
      link.textContent = 'Download ' + ({ gif: 'GIF', mp4: 'MP4', png: 'PNG frames (zip)' }[$('format').value] || 'result');
      link.setAttribute('download', '');
      $('download').replaceChildren(link);
      status('Export ready.');
    }
  }
  function closePreview() {
    $('preview-view').hidden = true;
    $('preview-bar').hidden = true;
  }
  $('preview').addEventListener('click', () => start('preview'));
  $('export').addEventListener('click', () => start('export'));
  $('close-preview').addEventListener('click', closePreview);
  $('cancel').addEventListener('click', async () => {
    try { await api('/api/cancel', { method: 'POST' }); } catch (e) { showError(e.message); }
  });

  // ---- predictions (--weights) ----------------------------------------------------------------------------
  async function predict(what) {
    if (!state.photo) { showError('Open a photo first.'); return; }
    showError('');
    busy(true);
    status(`Predicting the ${what}…`);
    try {
      const blob = await (await api('/api/predict/' + what, { method: 'POST' })).blob();
      const bitmap = await createImageBitmap(blob);
      if (what === 'mask') {
        // Grey → the brush layer's alpha.
        const c = document.createElement('canvas');
        c.width = c.height = N;
        const ctx = c.getContext('2d');
        ctx.drawImage(bitmap, 0, 0, N, N);
        const grey = ctx.getImageData(0, 0, N, N), out = maskCtx.createImageData(N, N);
        for (let i = 0; i < grey.data.length; i += 4) {
          out.data[i] = TINT[0]; out.data[i + 1] = TINT[1]; out.data[i + 2] = TINT[2]; out.data[i + 3] = grey.data[i];
        }
        maskCtx.putImageData(out, 0, 0);
      } else {
        state.predictedMotion = true;
        state.arrows = [];
        $('show-motion').checked = true;
      }
      status(`Predicted the ${what}.`);
      changed();
    } catch (e) { showError(e.message); status(''); }
    busy(false);
  }
  $('predict-mask').addEventListener('click', () => predict('mask'));
  $('predict-motion').addEventListener('click', () => predict('motion'));

  // ---- start ----------------------------------------------------------------------------------------------
  (async () => {
    try {
      const info = await (await api('/api/info')).json();
      state.info = info;
      $('predict').hidden = !info.weights;
      const sizes = [64, 128, 256, 512, 1024, 2048, 4096].filter(s => s <= Math.max(2048, info.defaultSize));
      $('size').replaceChildren(...sizes.map(s => {
        const o = document.createElement('option');
        o.value = s; o.textContent = `${s}×${s}`; o.selected = s === info.defaultSize;
        return o;
      }));
      status(`Open a photo to begin (device: ${info.device}${info.weights ? ', StyleCineGAN weights' : ', weight-free'}).`);
    } catch (e) { showError(e.message); }
    busy(false);
    changed();
  })();
})();
