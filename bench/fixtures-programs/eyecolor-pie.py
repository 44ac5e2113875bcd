# HairEyeColor: eye colour of 592 students (R base pie chart), 700x600
import math
import matplotlib.pyplot as plt

eyes = ['Brown', 'Blue', 'Hazel', 'Green']
students = [220, 215, 93, 64]
colors = ['#8b4726', '#4682b4', '#deb887', '#8fbc8f']

fig = plt.figure(figsize=(7, 6), dpi=100)
ax = fig.add_axes([0.25357, 0.1975, 0.55, 0.64167])
labels = [f'{e} ({n})' for e, n in zip(eyes, students)]
ax.pie(students, labels=labels, colors=colors, startangle=0, counterclock=True, labeldistance=1.1,
       wedgeprops=dict(edgecolor='black', linewidth=0.75), textprops=dict(fontsize=12.3))
total = sum(students)
start = 0.0
for n in students:
    mid = math.radians(360 * (start + n / 2) / total)
    ax.plot([math.cos(mid), 1.05 * math.cos(mid)], [math.sin(mid), 1.05 * math.sin(mid)], color='black', linewidth=0.75)
    start += n
ax.set_xlim(-1.25, 1.25)
ax.set_ylim(-1.25, 1.25)
ax.set_aspect('equal')
fig.suptitle('Eye colour of 592 students', fontsize=14.5, fontweight='bold', x=370 / 700, y=1 - 31 / 600, va='top')
