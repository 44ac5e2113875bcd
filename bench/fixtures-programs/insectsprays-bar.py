# InsectSprays: mean insect count by spray (R base barplot style), 800x600
import matplotlib.pyplot as plt

sprays = ['A', 'B', 'C', 'D', 'E', 'F']
mean_count = [14.5, 15.3333, 2.0833, 4.9167, 3.5, 16.6667]

fig = plt.figure(figsize=(8, 6), dpi=100)
ax = fig.add_axes([0.1025, 0.1423, 0.8450, 0.7487])
centers = [0.7 + 1.2 * i for i in range(len(sprays))]
ax.bar(centers, mean_count, width=1.0, color='#a2cd5a', edgecolor='black', linewidth=0.75)
ax.set_xlim(-0.08, 7.48)
ax.set_ylim(-0.8, 20.8)
for side in ['top', 'right', 'bottom']:
    ax.spines[side].set_visible(False)
ax.spines['left'].set_bounds(0, 20)
ax.spines['left'].set_color('#555555')
ax.set_yticks([0, 5, 10, 15, 20])
ax.tick_params(axis='y', length=5, width=1.0, color='#555555', labelsize=13, pad=8.5)
ax.set_xticks(centers)
ax.set_xticklabels(sprays)
ax.tick_params(axis='x', length=0, labelsize=13, pad=5)
ax.set_xlabel('Spray', fontsize=13, labelpad=15.5)
ax.set_title('Mean insect count by spray', fontsize=14.5, fontweight='bold', pad=13)
